// Benchmark of `gahb reproduce` (packages/cli). Part 1 times the smoke preset end to end, with training jobs
// in-process (--jobs 1) and as two child processes (--jobs 2). Part 2 measures Adam steps per second of one
// network of the quick preset (16x16 images, bf-unet with 2 blocks and 16 channels, batch 64) and
// extrapolates the quick preset's total training time from it. Build first: npx tsc -b packages/cli/tsconfig.build.json
// Usage: node bench/cli-reproduce.mjs [quickSteps=100]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { reproduce } = require('../packages/cli/dist/reproduce/reproduce.js');
const { getPreset, stepsPerNetwork } = require('../packages/cli/dist/reproduce/presets.js');
const { planTrainingJobs } = require('../packages/cli/dist/reproduce/training-jobs.js');
const { initBackend } = require('../packages/backend/dist/index.js');
const { trainDenoiser } = require('../packages/models/dist/index.js');
const { getGenerator } = require('../packages/synthetic-images/dist/index.js');

const quickSteps = Number(process.argv[2] ?? 100);
const root = await mkdtemp(path.join(os.tmpdir(), 'gahb-bench-reproduce-'));
console.log(`load average before: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')} on ${os.availableParallelism()} cores`);

async function timeSmoke(jobs) {
  const start = performance.now();
  const result = await reproduce({ preset: 'smoke', out: path.join(root, `smoke-jobs-${jobs}`), backend: 'wasm', jobs });
  const milliseconds = performance.now() - start;
  const incomplete = result.summary.manifests.filter((manifest) => manifest.status !== 'completed').map((manifest) => manifest.name);
  console.log(`smoke preset, --jobs ${jobs}: ${milliseconds.toFixed(0)} ms, ${(result.summary.manifests.length / (milliseconds / 1000)).toFixed(2)} steps/s${incomplete.length ? `, incomplete: ${incomplete.join(', ')}` : ''}`);
  return milliseconds;
}

const inProcess = await timeSmoke(1);
const children = await timeSmoke(2);
console.log(`smoke ratio --jobs 2 / --jobs 1: ${(children / inProcess).toFixed(2)}`);

// One quick-preset network, a fixed number of Adam steps.
await initBackend({ backend: 'wasm' });
const quick = getPreset('quick');
const images = getGenerator('c-alpha').generate(1000, quick.seed, { size: quick.imageSize, alpha: 2, beta: 2 }).images;
const outDir = path.join(root, 'quick-network');
await (await import('node:fs/promises')).mkdir(outDir, { recursive: true });
const start = performance.now();
await trainDenoiser({
  architecture: quick.architecture.name,
  config: quick.architecture.config,
  data: { train: images, test: images },
  dataInfo: { source: 'bench', split: 'all', indices: [] },
  epochs: 1,
  samplesPerEpoch: quickSteps * quick.training.batchSize,
  batchSize: quick.training.batchSize,
  seed: 1,
  outDir,
  evalSigmas: [0.1],
});
const seconds = (performance.now() - start) / 1000;
const stepsPerSecond = quickSteps / seconds;
const networks = planTrainingJobs(quick).length;
const totalSteps = networks * stepsPerNetwork(quick);
console.log(`quick network: ${quickSteps} Adam steps in ${(seconds * 1000).toFixed(0)} ms, ${stepsPerSecond.toFixed(1)} steps/s (one process)`);
console.log(`quick preset: ${networks} networks x ${stepsPerNetwork(quick)} steps = ${totalSteps} steps; estimate ${(totalSteps / stepsPerSecond / 60).toFixed(0)} min in one process, ${(totalSteps / stepsPerSecond / 120).toFixed(0)} min with --jobs 2 if 2 cores were free`);
console.log(`load average after: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
await rm(root, { recursive: true, force: true });
