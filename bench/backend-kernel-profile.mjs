// Per-kernel times of one training step of a UNet-like bias-free network on wasm with gahb's kernels,
// measured with tf.profile: which kernels a BF-UNet training step spends its time in.
//
// Build first: npx tsc -b packages/backend/tsconfig.build.json
// Run:         node bench/backend-kernel-profile.mjs [--batch 16] [--size 32] [--width 64]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import backend from '../packages/backend/dist/index.js';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const batch = option('--batch', 16);
const size = option('--size', 32);
const width = option('--width', 64);
const backendName = process.argv.includes('--cpu') ? 'cpu' : 'wasm';

/** Bias-free batch normalization: divide each channel by its standard deviation, multiply by a gain. */
function biasFreeBatchNorm(h, gain) {
  const { variance } = tf.moments(h, [0, 1, 2]);
  return tf.mul(tf.div(h, tf.sqrt(tf.add(variance, 1e-5))), gain);
}

function createWeights() {
  const shapes = {
    conv1: [3, 3, 1, width],
    gain1: [width],
    conv2: [3, 3, width, 2 * width],
    gain2: [2 * width],
    down: [2, 2, 2 * width, 2 * width],
    up1: [2, 2, 2 * width, 2 * width],
    up2: [2, 2, width, 4 * width],
    conv3: [3, 3, 2 * width, width],
    gain3: [width],
    conv4: [3, 3, width, 1],
  };
  const weights = {};
  let seed = 1;
  for (const [name, shape] of Object.entries(shapes)) {
    weights[name] = name.startsWith('gain')
      ? tf.variable(tf.ones(shape), true, name)
      : tf.variable(tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[0] * shape[1] * shape[2]), 'float32', seed++), true, name);
  }
  return weights;
}

/** Summed squared error / batch size of the predicted noise; same network as the backend's gradient test. */
function loss(w, noisy, noise) {
  const skip = tf.relu(biasFreeBatchNorm(tf.conv2d(noisy, w.conv1, 1, 'same'), w.gain1));
  const pooled = tf.avgPool(skip, 2, 2, 'valid');
  const middle = tf.relu(biasFreeBatchNorm(tf.conv2d(pooled, w.conv2, 1, 'same'), w.gain2));
  const bottom = tf.relu(tf.conv2d(middle, w.down, 2, 'valid'));
  const middleUp = tf.conv2dTranspose(bottom, w.up1, [batch, size / 2, size / 2, 2 * width], 2, 'valid');
  const up = tf.conv2dTranspose(tf.concat([middle, middleUp], 3), w.up2, [batch, size, size, width], 2, 'valid');
  const decoded = tf.relu(biasFreeBatchNorm(tf.conv2d(tf.concat([skip, up], 3), w.conv3, 1, 'same'), w.gain3));
  const predictedNoise = tf.conv2d(decoded, w.conv4, 1, 'same');
  return tf.div(tf.sum(tf.square(tf.sub(predictedNoise, noise))), batch);
}

await backend.initBackend({ backend: backendName });
const weights = createWeights();
const noisy = tf.randomNormal([batch, size, size, 1], 0, 1, 'float32', 100);
const noise = tf.randomNormal([batch, size, size, 1], 0, 1, 'float32', 101);
const optimizer = tf.train.adam(1e-3);
const step = () => optimizer.minimize(() => loss(weights, noisy, noise), true, Object.values(weights));

// Warm-up step, then one profiled step.
tf.dispose(step());
const startMs = performance.now();
const profile = await tf.profile(() => step());
const stepMs = performance.now() - startMs;

const byKernel = new Map();
for (const kernel of profile.kernels) {
  const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
  entry.ms += kernel.kernelTimeMs;
  entry.calls += 1;
  byKernel.set(kernel.name, entry);
}
const total = [...byKernel.values()].reduce((sum, entry) => sum + entry.ms, 0);
console.log(`UNet-like training step on ${backendName}: batch ${batch}, ${size}x${size}, width ${width}, Adam`);
console.log(`Machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model}, Node ${process.version}, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`step ${stepMs.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms in ${profile.kernels.length} calls`);
for (const [name, entry] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(24)} ${entry.ms.toFixed(1).padStart(8)} ms ${(100 * entry.ms / total).toFixed(1).padStart(5)} %  ${String(entry.calls).padStart(4)} calls`);
}
