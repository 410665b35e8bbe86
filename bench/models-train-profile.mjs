// Per-kernel profile (tf.profile) and speed of `trainStep` of @gahb/models on the wasm backend, for one
// bf-unet configuration: which kernels a real training step of the study's network spends its time in.
// Speed is given as wall time and as the CPU time of this process (process.cpuUsage), which is less
// affected by other processes on a loaded machine because the wasm backend computes on one thread.
//
// Build first: npx tsc -b packages/models/tsconfig.build.json
// Run:         node bench/models-train-profile.mjs [--blocks 2] [--channels 16] [--size 16] [--batch 64] [--steps 20]
//              [--no-profile | --no-tf-profile] [--calls] [--models-dist DIR] [--backend-dist DIR] [--python PATH]
//              (the quick preset of `gahb reproduce`; the study's default is --blocks 3 --channels 64)
// --models-dist and --backend-dist load @gahb/models and @gahb/backend from other builds (for example an
// older commit compiled to CommonJS with its dependencies resolvable from this repository), so an old and
// a new version run on the same machine. --python also times the same network in PyTorch on one thread
// (bench/pytorch/train_step.py with its blocks and channels replaced, wall and process CPU time).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import currentBackend from '../packages/backend/dist/index.js';
import core from '../packages/core/dist/index.js';
import currentModels from '../packages/models/dist/index.js';

const { createImageBatch, RandomStream } = core;
function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

/** Returns the folder given after `name`, resolved, or undefined. */
function folderOption(name) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? path.resolve(process.argv[index + 1]) : undefined;
}

const require = createRequire(import.meta.url);
const modelsDist = folderOption('--models-dist');
const backendDist = folderOption('--backend-dist');
const models = modelsDist === undefined ? currentModels : require(path.join(modelsDist, 'index.js'));
const backend = backendDist === undefined ? currentBackend : require(path.join(backendDist, 'index.js'));
const { createNetwork, Adam, trainStep } = models;
const { initBackend } = backend;
const pythonIndex = process.argv.indexOf('--python');
const python = pythonIndex >= 0 ? process.argv[pythonIndex + 1] : undefined;

const blocks = option('--blocks', 2);
const channels = option('--channels', 16);
const size = option('--size', 16);
const batch = option('--batch', 64);
const steps = option('--steps', 20);
const loadAverage = () => os.loadavg().map((value) => value.toFixed(2)).join(' ');

const choice = await initBackend({ backend: process.argv.includes('--cpu') ? 'cpu' : 'wasm' });
const network = createNetwork('bf-unet', { blocks, channels }, 0);
const adam = new Adam(network.trainable);
const noisy = createImageBatch(batch, size, size, 1);
const noise = createImageBatch(batch, size, size, 1);
RandomStream.fromSeed(0, 'bench-noisy').fillUniform(noisy.data, 0, 1);
RandomStream.fromSeed(0, 'bench-noise').fillNormal(noise.data, 0, 0.1);

console.log(
  `bf-unet blocks ${blocks} channels ${channels}, ${size}x${size}, batch ${batch}, backend ${choice.name} (${choice.reason}), ` +
    `@gahb/models from ${modelsDist ?? 'packages/models/dist'}, @gahb/backend from ${backendDist ?? 'packages/backend/dist'}`,
);
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0].model}), Node ${process.version}, load average ${loadAverage()}`);

// Warm-up, then timed steps.
trainStep(network, adam, noisy, noise, 1e-3);
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
for (let i = 0; i < steps; i++) {
  trainStep(network, adam, noisy, noise, 1e-3);
}
const wallMs = (performance.now() - wallStart) / steps;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
console.log(`${steps} steps: wall ${wallMs.toFixed(1)} ms/step (${(1000 / wallMs).toFixed(2)} steps/s), CPU ${cpuMs.toFixed(1)} ms/step (${(1000 / cpuMs).toFixed(2)} steps/s per CPU second), load average ${loadAverage()}`);


if (python !== undefined) {
  // The PyTorch network of bench/pytorch/train_step.py with this run's blocks and channels, one thread.
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'pytorch', 'train_step.py');
  const program = [
    'import importlib.util, json, sys, time, torch',
    `spec = importlib.util.spec_from_file_location('train_step', ${JSON.stringify(script)})`,
    'module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)',
    'torch.set_num_threads(1)',
    `module.BiasFreeUnet.__init__.__defaults__ = (${blocks}, ${channels})`,
    'cpu = time.process_time()',
    `ms = module.time_steps(${size}, ${batch}, ${steps})`,
    `cpu_ms = (time.process_time() - cpu) * 1000 / (${steps} + 1)`,
    'print(json.dumps({"torch": torch.__version__, "ms": ms, "cpuMs": cpu_ms}))',
  ].join('\n');
  const result = JSON.parse(execFileSync(python, ['-c', program], { encoding: 'utf8' }));
  console.log(
    `pytorch ${result.torch}, 1 thread, same network and batch: wall ${result.ms.toFixed(1)} ms/step (${(1000 / result.ms).toFixed(2)} steps/s), ` +
      `CPU ${result.cpuMs.toFixed(1)} ms/step including the warm-up step (${(1000 / result.cpuMs).toFixed(2)} steps/s per CPU second), load average ${loadAverage()}`,
  );
}

if (process.argv.includes('--no-profile')) {
  process.exit(0);
}

// CPU time per kernel: every registered kernel of the backend is wrapped to add up process.cpuUsage deltas
// (nested kernel calls, e.g. inside a composed kernel, are counted in the outer kernel only).
const cpuByKernel = new Map();
let depth = 0;
for (const config of tf.getKernelsForBackend(tf.getBackend())) {
  const kernelFunc = config.kernelFunc;
  config.kernelFunc = (args) => {
    depth++;
    const start = depth === 1 ? process.cpuUsage() : undefined;
    try {
      return kernelFunc(args);
    } finally {
      depth--;
      if (start !== undefined) {
        const used = process.cpuUsage(start);
        const entry = cpuByKernel.get(config.kernelName) ?? { ms: 0, calls: 0 };
        entry.ms += (used.user + used.system) / 1000;
        entry.calls += 1;
        cpuByKernel.set(config.kernelName, entry);
      }
    }
  };
}
const cpuProfileSteps = 5;
const wrappedStart = process.cpuUsage();
for (let i = 0; i < cpuProfileSteps; i++) {
  trainStep(network, adam, noisy, noise, 1e-3);
}
const wrappedUsed = process.cpuUsage(wrappedStart);
const wrappedMs = (wrappedUsed.user + wrappedUsed.system) / 1000 / cpuProfileSteps;
const kernelCpuMs = [...cpuByKernel.values()].reduce((sum, entry) => sum + entry.ms, 0) / cpuProfileSteps;
console.log(`CPU per step over ${cpuProfileSteps} steps: ${wrappedMs.toFixed(1)} ms, of which ${kernelCpuMs.toFixed(1)} ms in kernels and ${(wrappedMs - kernelCpuMs).toFixed(1)} ms outside (engine, tape, JavaScript)`);
for (const [name, entry] of [...cpuByKernel.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  const ms = entry.ms / cpuProfileSteps;
  console.log(`  ${name.padEnd(24)} ${ms.toFixed(2).padStart(8)} ms ${((100 * ms) / wrappedMs).toFixed(1).padStart(5)} %  ${String(entry.calls / cpuProfileSteps).padStart(4)} calls`);
}
if (process.argv.includes('--no-tf-profile')) {
  process.exit(0);
}
const profile = await tf.profile(() => {
  trainStep(network, adam, noisy, noise, 1e-3);
});
const byKernel = new Map();
for (const kernel of profile.kernels) {
  const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
  entry.ms += kernel.kernelTimeMs;
  entry.calls += 1;
  byKernel.set(kernel.name, entry);
}
const total = [...byKernel.values()].reduce((sum, entry) => sum + entry.ms, 0);
console.log(`profiled step: kernels ${total.toFixed(1)} ms in ${profile.kernels.length} calls`);
for (const [name, entry] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(24)} ${entry.ms.toFixed(1).padStart(8)} ms ${((100 * entry.ms) / total).toFixed(1).padStart(5)} %  ${String(entry.calls).padStart(4)} calls`);
}
if (process.argv.includes('--calls')) {
  for (const kernel of profile.kernels) {
    console.log(`${kernel.name.padEnd(24)} ${kernel.kernelTimeMs.toFixed(2).padStart(8)} ms  ${kernel.inputShapes.map((s) => `[${s}]`).join(' ')} -> ${kernel.outputShapes.map((s) => `[${s}]`).join(' ')}`);
  }
}
adam.dispose();
network.dispose();
