// CPU time per call of wasm kernels at the shapes of bf-unet training steps. Where @gahb/backend changed a
// route, the old one runs next to the new one: Sum over leading axes ('matmul' against 'average-pool'), and
// the filter flip of Conv2DBackpropInput (Reverse + Transpose against Transpose + anti-identity product).
// The filter gradient's 'transposed-convolution' route runs next to 'blocked-matmul' for stride-1 cases.
// The 3x3 convolution and its two gradients (default routes) are listed for reference. CPU time of this process
// (process.cpuUsage) is reported because the wasm backend runs on one thread and the machine is shared.
// Every input is a fresh tensor, because XNNPACK keeps the packed weights of an operator whose weight
// tensor it has seen before, and a training step never reuses one.
//
// Build first: npx tsc -b packages/backend/tsconfig.build.json
// Run:         node bench/backend-kernel-shapes.mjs [--reps 9]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import backend from '../packages/backend/dist/index.js';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const reps = option('--reps', 9);
const loadAverage = () => os.loadavg().map((value) => value.toFixed(2)).join(' ');

await backend.initBackend({ backend: 'wasm' });
console.log(`wasm kernels, median CPU ms of ${reps} calls on fresh inputs; ${os.cpus().length} cores, load average ${loadAverage()}`);

/** Median CPU ms of `run(input)` over `reps` calls, each on a fresh copy of `base`, after one warm-up call. */
function cpuMs(base, run) {
  const samples = [];
  for (let i = 0; i <= reps; i++) {
    const input = tf.mul(base, 1);
    const start = process.cpuUsage();
    tf.dispose(run(input));
    const used = process.cpuUsage(start);
    input.dispose();
    if (i > 0) {
      samples.push((used.user + used.system) / 1000);
    }
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const format = (ms) => ms.toFixed(2).padStart(8);

console.log('\nSum over [0, 1, 2]            matmul  average-pool');
for (const shape of [[64, 16, 16, 16], [64, 8, 8, 32], [16, 32, 32, 64], [16, 80, 80, 64], [16, 20, 20, 256]]) {
  const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
  const routes = ['matmul', 'average-pool'].map((route) =>
    cpuMs(x, (input) => tf.engine().makeTensorFromTensorInfo(backend.reduceLeadingAxesByRoute(tf.backend(), input, { axis: [0, 1, 2], keepDims: false }, 3, false, route))),
  );
  console.log(`[${shape.join(', ')}]`.padEnd(26) + routes.map(format).join('      '));
  x.dispose();
}

console.log('\nfilter flip of the input gradient   Reverse+Transpose  Transpose+anti-identity');
const taps = 9;
const antiIdentity = tf.reverse(tf.eye(taps), 0);
for (const [inChannels, outChannels] of [[64, 64], [256, 256], [512, 256], [512, 512]]) {
  const filter = tf.randomNormal([3, 3, inChannels, outChannels], 0, 1, 'float32', 2);
  const reverse = cpuMs(filter, (w) => tf.transpose(tf.reshape(tf.reverse(w, [0, 1]), [taps, inChannels, outChannels]), [0, 2, 1]));
  const product = cpuMs(filter, (w) => tf.matMul(antiIdentity, tf.reshape(tf.transpose(tf.reshape(w, [taps, inChannels, outChannels]), [0, 2, 1]), [taps, inChannels * outChannels])));
  console.log(`[3, 3, ${inChannels}, ${outChannels}]`.padEnd(37) + format(reverse) + '          ' + format(product));
  filter.dispose();
}

console.log('\n3x3 convolution, fresh weights       Conv2D  BackpropInput  BackpropFilter');
for (const [batch, size, inChannels, outChannels] of [[64, 16, 1, 16], [64, 16, 16, 16], [64, 16, 16, 1], [16, 32, 64, 64], [16, 8, 256, 256], [16, 4, 512, 512], [16, 80, 64, 64]]) {
  const x = tf.randomNormal([batch, size, size, inChannels], 0, 1, 'float32', 3);
  const w = tf.randomNormal([3, 3, inChannels, outChannels], 0, 1, 'float32', 4);
  const dy = tf.randomNormal([batch, size, size, outChannels], 0, 1, 'float32', 5);
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
  const forward = cpuMs(w, (filter) => tf.conv2d(x, filter, 1, 'same'));
  const input = cpuMs(w, (filter) => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape }));
  const filterGradient = cpuMs(dy, (gradient) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: gradient }, { ...attrs, filterShape: w.shape }));
  console.log(`[${batch}, ${size}, ${size}, ${inChannels}] -> ${outChannels}`.padEnd(34) + [forward, input, filterGradient].map(format).join('       '));
  tf.dispose([x, w, dy]);
}
console.log('\n3x3 filter gradient, stride 1 \'same\'    transposed-convolution  blocked-matmul');
for (const [batch, size, inChannels, outChannels] of [[64, 16, 1, 16], [64, 16, 16, 16], [64, 16, 32, 16], [64, 16, 16, 1], [64, 8, 32, 32], [16, 32, 64, 64], [16, 16, 128, 128], [16, 8, 256, 256], [16, 80, 64, 64]]) {
  const x = tf.randomNormal([batch, size, size, inChannels], 0, 1, 'float32', 6);
  const dy = tf.randomNormal([batch, size, size, outChannels], 0, 1, 'float32', 7);
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, inChannels, outChannels] };
  const routes = ['transposed-convolution', 'blocked-matmul'].map((route) =>
    cpuMs(dy, (gradient) => tf.engine().makeTensorFromTensorInfo(backend.conv2DBackpropFilterByRoute({ inputs: { x, dy: gradient }, backend: tf.backend(), attrs }, route))),
  );
  console.log(`[${batch}, ${size}, ${size}, ${inChannels}] -> ${outChannels}`.padEnd(42) + routes.map(format).join('          '));
  tf.dispose([x, dy]);
}
console.log(`\nload average after: ${loadAverage()}`);
