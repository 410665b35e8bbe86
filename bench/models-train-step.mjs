// Benchmark of training steps of the study's bias-free UNet (3 blocks, 64 channels, 7.66 M parameters) on
// the wasm backend. One step is the forward pass in training mode, the loss, the gradients and the Adam
// update, batch 16. The baseline is the same network in PyTorch (bench/pytorch/train_step.py), measured in
// the same run on the same machine.
//
// Build first: npx tsc -b packages/models/tsconfig.build.json
// Run:         node bench/models-train-step.mjs [--sizes 32,80] [--steps 2] [--threads 1,2] [--python /usr/bin/python3]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import backend from '../packages/backend/dist/index.js';
import core from '../packages/core/dist/index.js';
import models from '../packages/models/dist/index.js';

const { initBackend } = backend;
const { createImageBatch, RandomStream } = core;
const { createNetwork, Adam, trainStep } = models;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const sizes = option('--sizes', '32,80').split(',').map(Number);
const steps = Number(option('--steps', '2'));
const threads = option('--threads', '1,2').split(',').map(Number);
const python = option('--python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const batch = 16;

const choice = await initBackend({ backend: 'wasm' });
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0].model}), load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`gahb backend: ${choice.name} (${choice.reason}), tfjs ${choice.tfjsVersion}`);

/** Mean ms per training step of the default bf-unet at size x size, after one warm-up step. */
function gahbStepMs(size) {
  const network = createNetwork('bf-unet', {}, 0);
  const adam = new Adam(network.trainable);
  const noisy = createImageBatch(batch, size, size, 1);
  const noise = createImageBatch(batch, size, size, 1);
  RandomStream.fromSeed(0, 'bench-noisy').fillUniform(noisy.data, 0, 1);
  RandomStream.fromSeed(0, 'bench-noise').fillNormal(noise.data, 0, 0.1);

  trainStep(network, adam, noisy, noise, 1e-3);
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    trainStep(network, adam, noisy, noise, 1e-3);
  }
  const ms = (performance.now() - started) / steps;
  adam.dispose();
  network.dispose();
  return ms;
}

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch', 'train_step.py');
const rows = [];
for (const size of sizes) {
  const gahbMs = gahbStepMs(size);
  console.log(`gahb wasm     ${size}x${size} batch ${batch}: ${gahbMs.toFixed(0)} ms/step, ${(1000 / gahbMs).toFixed(3)} steps/s`);
  for (const threadCount of threads) {
    const output = execFileSync(python, [script, '--sizes', String(size), '--batch', String(batch), '--steps', String(steps), '--threads', String(threadCount), '--json'], {
      encoding: 'utf8',
    });
    const result = JSON.parse(output);
    const torchMs = result.results[0].msPerStep;
    console.log(
      `pytorch ${result.torch} ${size}x${size} batch ${batch} threads ${threadCount}: ${torchMs.toFixed(0)} ms/step, ` +
        `${(1000 / torchMs).toFixed(3)} steps/s; gahb/pytorch time ratio ${(gahbMs / torchMs).toFixed(2)}`,
    );
    rows.push({ size, threadCount, gahbMs, torchMs });
  }
}
console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
