// Benchmark of the coarse-to-fine sampler with the study's bias-free UNet (bf-unet defaults: 3 blocks, 64
// channels, random weights) on the wasm backend, batch 16, at 32x32 and 80x80. It times sampler steps, each
// one denoiser call plus the sampler's own work. The baseline, measured in the same run, is the bare network
// call on the same batch, so the ratio is the sampler's overhead. Times are CPU times of this process. Samples per second assume 97 steps per sample, the
// step count of the ramp schedule from σ₀ = 1 to σ_L = 0.05 with β = 0.1 for an ideal denoiser.
//
// Build first: npx tsc -b packages/diffusion/tsconfig.build.json packages/models/tsconfig.build.json
// Run:         node bench/diffusion-sample.mjs [--sizes 32,80] [--steps 3]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import backend from '../packages/backend/dist/index.js';
import core from '../packages/core/dist/index.js';
import diffusion from '../packages/diffusion/dist/index.js';
import models from '../packages/models/dist/index.js';

const { initBackend } = backend;
const { RandomStream } = core;
const { sample } = diffusion;
const { createNetwork } = models;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const sizes = option('--sizes', '32,80').split(',').map(Number);
const steps = Number(option('--steps', '3'));
const batch = 16;
const stepsPerSample = 97;

const choice = await initBackend({ backend: 'wasm' });
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0].model}), load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`backend: ${choice.name}, tfjs ${choice.tfjsVersion}`);

const network = createNetwork('bf-unet', {}, 0);
const denoiser = network.denoiser('bf-unet (random weights)');

for (const size of sizes) {
  // Baseline: the bare network call on a batch of 16, after one warm-up call.
  const input = RandomStream.fromSeed(0, 'bench-input').fillNormal(new Float32Array(batch * size * size), 0.5, 1);
  // CPU time (process.cpuUsage) is used because the machine is shared: under load, wall time overstates.
  const cpuMs = (since) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const timeForward = () => {
    const y = tf.tensor4d(input, [batch, size, size, 1]);
    const started = process.cpuUsage();
    const output = denoiser.denoise(y, { sigma: 1 });
    output.dataSync();
    const elapsed = cpuMs(started);
    tf.dispose([y, output]);
    return elapsed;
  };
  timeForward();
  let forwardMs = 0;
  for (let i = 0; i < steps; i++) {
    forwardMs += timeForward() / steps;
  }

  // Sampler: every sample runs exactly `steps` steps (no stopping rule can trigger with random weights).
  const options = { maxIterations: steps, sigmaFinal: 1e-9, divergenceSigma: 1e12 };
  const wallStarted = performance.now();
  const started = process.cpuUsage();
  const result = await sample(denoiser, { count: batch, seed: 1, shape: [size, size, 1] }, options);
  // maxIterations steps take maxIterations + 1 denoiser calls (the last one measures σ and denoises).
  const stepMs = cpuMs(started) / (steps + 1);
  const wallStepMs = (performance.now() - wallStarted) / (steps + 1);
  const statuses = new Set(result.status);

  const imageStepsPerSecond = (batch * 1000) / stepMs;
  console.log(
    `${size}x${size}, batch ${batch}: sampler step ${stepMs.toFixed(0)} ms CPU (${wallStepMs.toFixed(0)} ms wall), bare network call ${forwardMs.toFixed(0)} ms CPU ` +
      `(ratio ${(stepMs / forwardMs).toFixed(3)}); ${imageStepsPerSecond.toFixed(1)} image-steps per CPU second, ` +
      `${(imageStepsPerSecond / stepsPerSample).toFixed(3)} samples per CPU second at ${stepsPerSample} steps per sample [status: ${[...statuses].join(', ')}]`,
  );
}
console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
network.dispose();
