// Side-by-side training of gahb's bf-unet (wasm backend) and the same network in PyTorch
// (bench/pytorch/train_compare.py): same initial weights (PyTorch's state dict, read with importPytorchNetwork),
// same C^alpha-like images, same optimizer settings. Prints:
// - stored mode (default): both train on the same stored noisy batches, so per-step losses agree until float32
//   rounding drift grows. It also prints batch-norm running standard deviations, evaluation outputs and PSNR.
// - online mode (--online): each side draws its own noise (quadratic levels σ = u², gahb's stream from
//   --seed) for a longer run, so only the PSNR curves and the Jacobian asymmetry are comparable.
// In both modes PyTorch's final weights are also loaded into gahb, to separate forward-pass from training
// differences, and the Jacobian asymmetry ‖A − Aᵀ‖_F/‖A‖_F of A = I − ∂f/∂y is computed on both sides at the
// same noisy test image.
//
// Build first: npx tsc -b packages/models/tsconfig.build.json packages/linalg-analysis/tsconfig.build.json
// Run:         node bench/models-train-compare.mjs [--dir /tmp/train-compare] [--steps 150] [--blocks 2]
//              [--channels 8] [--size 16] [--batch 32] [--images 512] [--seed 0] [--online] [--halve-every 0]
//              [--python /usr/bin/python3]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import backend from '../packages/backend/dist/index.js';
import core from '../packages/core/dist/index.js';
import datasets from '../packages/datasets/dist/index.js';
import linalg from '../packages/linalg-analysis/dist/index.js';
import models from '../packages/models/dist/index.js';

const { initBackend } = backend;
const { readNpy, RandomStream, createImageBatch } = core;
const { makeNoisyBatch } = datasets;
const { computeJacobian, relativeAsymmetry } = linalg;
const { importPytorchNetwork, Adam, trainStep } = models;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const online = process.argv.includes('--online');
const dir = option('--dir', path.join(os.tmpdir(), online ? 'train-compare-online' : 'train-compare'));
const steps = Number(option('--steps', online ? '3000' : '150'));
const batchSize = Number(option('--batch', online ? '64' : '32'));
const halveEvery = Number(option('--halve-every', '0'));
const python = option('--python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch', 'train_compare.py');

// 1. PyTorch: prepare data, initial weights and (stored mode) the noisy batches, then train.
const prepareArgs = ['prepare', dir, '--size', option('--size', '16'), '--blocks', option('--blocks', '2'), '--channels', option('--channels', '8')];
prepareArgs.push('--batch', String(batchSize), '--steps', online ? '1' : String(steps), '--images', option('--images', '512'), '--seed', option('--seed', '0'));
console.log(execFileSync(python, [script, ...prepareArgs], { encoding: 'utf8' }).trim());
const trainArgs = ['train', dir, '--steps', String(steps), '--batch', String(batchSize), '--halve-every', String(halveEvery)];
if (online) {
  trainArgs.push('--online');
}
execFileSync(python, [script, ...trainArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const torchResult = JSON.parse(await readFile(path.join(dir, 'torch_result.json'), 'utf8'));
const setup = JSON.parse(await readFile(path.join(dir, 'setup.json'), 'utf8'));

// 2. gahb: the same initial weights and batches.
const choice = await initBackend({ backend: 'wasm' });
console.log(`gahb backend ${choice.name}, tfjs ${choice.tfjsVersion}; pytorch ${torchResult.torch}; load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
const network = await importPytorchNetwork(path.join(dir, 'init.pt'), 'bf-unet');
const adam = new Adam(network.trainable);
const size = setup.size;
/** Copies `data` into a contiguous ImageBatch of `count` single-channel images. */
function toBatch(data, count) {
  const batch = createImageBatch(count, size, size, 1);
  batch.data.set(data);
  return batch;
}

const losses = [];
const started = performance.now();
if (online) {
  const train = await readNpy(path.join(dir, 'train.npy'));
  const images = toBatch(train.data, train.shape[0]);
  const runSeed = Number(option('--seed', '0'));
  const order = RandomStream.fromSeed(runSeed, 'train-compare-order');
  for (let step = 0; step < steps; step++) {
    const indices = Int32Array.from({ length: batchSize }, () => order.integer(images.shape[0]));
    const { noisy, noise } = makeNoisyBatch(images, indices, runSeed, step, { distribution: 'quadratic', sigmaMax: 1 });
    losses.push(trainStep(network, adam, noisy, noise, learningRate(step)).loss);
  }
} else {
  const storedNoisy = await readNpy(path.join(dir, 'batch_noisy.npy'));
  const storedNoise = await readNpy(path.join(dir, 'batch_noise.npy'));
  const stride = batchSize * size * size;
  for (let step = 0; step < steps; step++) {
    const noisy = toBatch(storedNoisy.data.subarray(step * stride, (step + 1) * stride), batchSize);
    const noise = toBatch(storedNoise.data.subarray(step * stride, (step + 1) * stride), batchSize);
    losses.push(trainStep(network, adam, noisy, noise, learningRate(step)).loss);
  }
}
const gahbSeconds = (performance.now() - started) / 1000;
adam.dispose();

function learningRate(step) {
  return halveEvery > 0 ? 1e-3 * 0.5 ** Math.floor(step / halveEvery) : 1e-3;
}

// 3. Comparisons.
const test = await readNpy(path.join(dir, 'test.npy'));
const unitNoise = await readNpy(path.join(dir, 'eval_unit_noise.npy'));
const testCount = test.shape[0];
const imageSize = size * size;

/** Evaluation-mode residuals f(y) and mean per-image PSNR of y − f(y) at evaluation sigma k. */
function evaluate(net, k) {
  const sigma = setup.evalSigmas[k];
  const noisy = Float32Array.from(test.data, (value, i) => value + sigma * unitNoise.data[k * test.data.length + i]);
  const residual = tf.tidy(() => net.apply(tf.tensor4d(noisy, [testCount, size, size, 1]), { training: false }).dataSync());
  let psnrSum = 0;
  for (let n = 0; n < testCount; n++) {
    let squared = 0;
    for (let i = n * imageSize; i < (n + 1) * imageSize; i++) {
      squared += (noisy[i] - residual[i] - test.data[i]) ** 2;
    }
    psnrSum += 10 * Math.log10(imageSize / squared);
  }
  return { residual, psnr: psnrSum / testCount };
}

function relativeDifference(a, b) {
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    reference += b[i] ** 2;
  }
  return Math.sqrt(difference / reference);
}

async function asymmetry(net, sigma) {
  const k = setup.evalSigmas.indexOf(sigma);
  const image = Float32Array.from(test.data.subarray(0, imageSize), (value, i) => value + sigma * unitNoise.data[k * test.data.length + i]);
  const jacobian = await computeJacobian(net.denoiser(), toBatch(image, 1));
  return relativeAsymmetry(jacobian, imageSize);
}

const f = (value, digits = 3) => value.toPrecision(digits);
console.log(`\n${online ? 'online noise' : 'stored batches'}: ${steps} steps, batch ${batchSize}, bf-unet blocks ${setup.blocks} channels ${setup.channels}, ${size}x${size}`);
console.log(`seconds: gahb ${gahbSeconds.toFixed(1)}, pytorch (1 thread) ${torchResult.seconds.toFixed(1)}`);

if (!online) {
  console.log('step   loss gahb   loss torch   relative difference');
  const reportedSteps = [1, 2, 3, 5, 10, 20, 50, 100, 150, 200, 500].filter((s) => s <= steps);
  for (const s of reportedSteps) {
    const [g, t] = [losses[s - 1], torchResult.losses[s - 1]];
    console.log(`${String(s).padStart(4)}   ${f(g, 6).padStart(9)}   ${f(t, 6).padStart(10)}   ${f(Math.abs(g - t) / t, 2)}`);
  }
}
const window = Math.min(50, steps);
const meanLast = (values) => values.slice(-window).reduce((sum, value) => sum + value, 0) / window;
console.log(`mean loss over the last ${window} steps: gahb ${f(meanLast(losses), 5)}, pytorch ${f(meanLast(torchResult.losses), 5)}`);

const sdDifferences = [...network.buffers].map(([name, variable]) => `${name} ${f(relativeDifference(variable.dataSync(), torchResult.runningSd[name]), 2)}`);
console.log(`running_sd, relative difference gahb vs pytorch: ${sdDifferences.join(', ')}`);

// PyTorch's trained weights in gahb: the forward pass alone, against PyTorch's saved outputs at σ = 0.1.
const torchTrained = await importPytorchNetwork(path.join(dir, 'torch_final.pt'), 'bf-unet');
const torchOutput = await readNpy(path.join(dir, 'torch_eval_output_sigma0.1.npy'));
const k01 = setup.evalSigmas.indexOf(0.1);
console.log(`eval outputs at σ = 0.1, relative to pytorch's: gahb-trained ${f(relativeDifference(evaluate(network, k01).residual, torchOutput.data), 2)}, ` +
  `pytorch-trained weights in gahb ${f(relativeDifference(evaluate(torchTrained, k01).residual, torchOutput.data), 2)}`);

console.log('σ        input PSNR   gahb PSNR   pytorch PSNR   pytorch weights in gahb');
setup.evalSigmas.forEach((sigma, k) => {
  const row = [String(sigma).padEnd(8), f(-20 * Math.log10(sigma), 4).padStart(10), f(evaluate(network, k).psnr, 4).padStart(11)];
  row.push(f(torchResult.psnr[String(sigma)], 4).padStart(14), f(evaluate(torchTrained, k).psnr, 4).padStart(25));
  console.log(row.join(' '));
});

for (const sigma of setup.asymmetrySigmas) {
  const gahbValue = await asymmetry(network, sigma);
  const torchInGahb = await asymmetry(torchTrained, sigma);
  console.log(`asymmetry ‖A − Aᵀ‖/‖A‖ at σ = ${sigma}: gahb ${f(gahbValue)}, pytorch ${f(torchResult.asymmetry[String(sigma)])}, pytorch weights in gahb ${f(torchInGahb)}`);
}
network.dispose();
torchTrained.dispose();
