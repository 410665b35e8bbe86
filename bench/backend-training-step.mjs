// Benchmark of gahb's wasm training kernels: single kernels, then one training step (forward, gradients,
// Adam update) of a stack of five 3x3 convolutions, on wasm with gahb's kernels and on the cpu backend.
//
// Build first: npx tsc -b packages/backend/tsconfig.build.json
// Run:         node bench/backend-training-step.mjs [--wasm-steps 3] [--cpu-steps 1] [--cpu-batch 2]
//
// The cpu backend takes minutes per step at batch 16, so its baseline runs the same network at batch
// --cpu-batch and the comparison is of GFLOP/s (the work is proportional to the batch size).
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import backend from '../packages/backend/dist/index.js';

const { initBackend, conv2DBackpropInputByRoute, conv2DBackpropFilterByRoute, runBuiltInWasmKernel } = backend;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const wasmSteps = option('--wasm-steps', 3);
const cpuSteps = option('--cpu-steps', 1);
const cpuBatch = option('--cpu-batch', 2);

/**
 * Median of `repeats` timed runs of `run` (ms), after `warmUps` untimed runs. Each run returns tensors to
 * dispose. Returns undefined when `repeats` is 0.
 */
function timeMs(run, repeats, warmUps = 1) {
  if (repeats === 0) return undefined;
  for (let i = 0; i < warmUps; i++) tf.dispose(run());
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const output = run();
    // dataSync waits for the result on backends that compute asynchronously.
    for (const tensor of [output].flat()) tensor.dataSync();
    times.push(performance.now() - start);
    tf.dispose(output);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function fromInfo(info) {
  return tf.engine().makeTensorFromTensorInfo(info);
}

function convFlops(batch, outHeight, outWidth, filterHeight, filterWidth, inChannels, outChannels) {
  return 2 * batch * outHeight * outWidth * filterHeight * filterWidth * inChannels * outChannels;
}

/** Prints ms, GFLOP/s and the speed-up against a baseline time for the same work, `baselineMs`. */
function report(label, ms, flops, baselineMs) {
  const rate = flops === undefined ? '' : `  ${(flops / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s`;
  const ratio = baselineMs === undefined ? '' : `  ${(baselineMs / ms).toFixed(2)}x vs baseline`;
  console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms${rate}${ratio}`);
}

async function benchmarkKernels() {
  await initBackend({ backend: 'wasm' });
  const wasmBackend = tf.backend();
  console.log('\nKernels on wasm (median of 5 runs after 1 warm-up)');

  // 3x3 stride-1 'same' convolution, 16x32x32x64 -> 64 channels.
  const x = tf.randomNormal([16, 32, 32, 64]);
  const filter = tf.randomNormal([3, 3, 64, 64]);
  const dy = tf.randomNormal([16, 32, 32, 64]);
  const flops = convFlops(16, 32, 32, 3, 3, 64, 64);
  const inputAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape };
  const forwardMs = timeMs(() => tf.conv2d(x, filter, 1, 'same'), 5);
  report('Conv2D 3x3 16x32x32x64 -> 64', forwardMs, flops);
  const builtInMs = timeMs(() => fromInfo(runBuiltInWasmKernel('Conv2DBackpropInput', { dy, filter }, inputAttrs)), 3);
  report('Conv2DBackpropInput 3x3, built-in (baseline)', builtInMs, flops);
  const inputArgs = { inputs: { dy, filter }, backend: wasmBackend, attrs: inputAttrs };
  const composedInputMs = timeMs(() => fromInfo(conv2DBackpropInputByRoute(inputArgs, 'flipped-convolution')), 5);
  report('Conv2DBackpropInput 3x3, flipped convolution', composedInputMs, flops, builtInMs);
  const filterAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: filter.shape };
  const filterArgs = { inputs: { x, dy }, backend: wasmBackend, attrs: filterAttrs };
  const filterConvolutionMs = timeMs(() => fromInfo(conv2DBackpropFilterByRoute(filterArgs, 'transposed-convolution')), 5);
  report('Conv2DBackpropFilter 3x3, transposed convolution (no built-in)', filterConvolutionMs, flops);
  tf.dispose([x, filter, dy]);

  // 2x2 stride-2 transposed convolution (UNet upsampling), 16x16x16x128 -> 16x32x32x64.
  const low = tf.randomNormal([16, 16, 16, 128]);
  const upFilter = tf.randomNormal([2, 2, 64, 128]);
  const upFlops = convFlops(16, 16, 16, 2, 2, 64, 128);
  const upAttrs = { strides: 2, pad: 'valid', dataFormat: 'NHWC', inputShape: [16, 32, 32, 64] };
  const upArgs = { inputs: { dy: low, filter: upFilter }, backend: wasmBackend, attrs: upAttrs };
  const upBuiltInMs = timeMs(() => fromInfo(runBuiltInWasmKernel('Conv2DBackpropInput', { dy: low, filter: upFilter }, upAttrs)), 3);
  report('transposed conv 2x2/2 16x16x16x128 -> 64, built-in (baseline)', upBuiltInMs, upFlops);
  const upFlippedMs = timeMs(() => fromInfo(conv2DBackpropInputByRoute(upArgs, 'flipped-convolution')), 5);
  report('transposed conv 2x2/2, zeros + flipped convolution', upFlippedMs, upFlops, upBuiltInMs);
  const upMatMulMs = timeMs(() => fromInfo(conv2DBackpropInputByRoute(upArgs, 'matmul-depth-to-space')), 5);
  report('transposed conv 2x2/2, matmul + depth-to-space', upMatMulMs, upFlops, upBuiltInMs);
  tf.dispose([low, upFilter]);

  // Filter gradient of a 2x2 stride-2 convolution (UNet downsampling), 16x32x32x64 -> 16x16x16x256.
  const high = tf.randomNormal([16, 32, 32, 64]);
  const downDy = tf.randomNormal([16, 16, 16, 256]);
  const downFlops = convFlops(16, 16, 16, 2, 2, 64, 256);
  const downAttrs = { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 64, 256] };
  const downArgs = { inputs: { x: high, dy: downDy }, backend: wasmBackend, attrs: downAttrs };
  const downConvolutionMs = timeMs(() => fromInfo(conv2DBackpropFilterByRoute(downArgs, 'transposed-convolution')), 5);
  report('filter gradient 2x2/2 16x32x32x64 -> 256, transposed convolution (baseline)', downConvolutionMs, downFlops);
  const downMatMulMs = timeMs(() => fromInfo(conv2DBackpropFilterByRoute(downArgs, 'space-to-depth-matmul')), 5);
  report('filter gradient 2x2/2, space-to-depth + matmul', downMatMulMs, downFlops, downConvolutionMs);
  tf.dispose([high, downDy]);
}

/** Builds the five-layer model, its data and an Adam optimizer on the active backend. */
function createTrainingStep(batch) {
  const layers = 5;
  const channels = 64;
  const weights = [];
  for (let i = 0; i < layers; i++) {
    weights.push(tf.variable(tf.randomNormal([3, 3, channels, channels], 0, Math.sqrt(2 / (9 * channels)), 'float32', i)));
  }
  const input = tf.randomNormal([batch, 32, 32, channels], 0, 1, 'float32', 100);
  const target = tf.randomNormal([batch, 32, 32, channels], 0, 1, 'float32', 101);
  const optimizer = tf.train.adam(1e-3);

  const step = () => {
    const loss = optimizer.minimize(
      () => {
        let h = input;
        for (let i = 0; i < layers; i++) {
          h = tf.conv2d(h, weights[i], 1, 'same');
          if (i < layers - 1) h = tf.relu(h);
        }
        return tf.mean(tf.square(tf.sub(h, target)));
      },
      true,
      weights,
    );
    return loss;
  };
  const dispose = () => {
    tf.dispose([...weights, input, target]);
    optimizer.dispose();
  };
  // Forward, input gradient and filter gradient each cost the forward FLOPs; ReLU, loss and Adam are not counted.
  const flops = 3 * layers * convFlops(batch, 32, 32, 3, 3, channels, channels);
  return { step, dispose, flops };
}

async function benchmarkTrainingStep(backendName, batch, steps, warmUps) {
  await initBackend({ backend: backendName });
  const training = createTrainingStep(batch);
  const ms = timeMs(training.step, steps, warmUps);
  training.dispose();
  return { ms, flops: training.flops };
}

console.log(`Machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
await benchmarkKernels();

console.log(`\nTraining step: 5 conv 3x3, 32x32, 64 channels, ReLU, Adam; GFLOP/s count 3x the forward convolution FLOPs`);
const wasm = await benchmarkTrainingStep('wasm', 16, wasmSteps, 1);
if (wasm.ms !== undefined) report(`wasm + gahb kernels, batch 16 (median of ${wasmSteps} steps after 1 warm-up)`, wasm.ms, wasm.flops);
// A cpu step takes tens of seconds even at batch 2, so it runs without warm-up.
const cpu = await benchmarkTrainingStep('cpu', cpuBatch, cpuSteps, 0);
if (cpu.ms !== undefined) report(`cpu backend, batch ${cpuBatch} (median of ${cpuSteps} steps, no warm-up; baseline)`, cpu.ms, cpu.flops);
if (wasm.ms !== undefined && cpu.ms !== undefined) {
  // Time the cpu backend would take for the wasm run's work, at its measured GFLOP/s.
  const cpuMsForSameWork = (cpu.ms * wasm.flops) / cpu.flops;
  report('wasm + gahb kernels vs cpu (GFLOP/s ratio)', wasm.ms, wasm.flops, cpuMsForSameWork);
}
console.log(`load average after the run: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
