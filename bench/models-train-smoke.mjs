// Smoke run of blind training on real photographs: bf-cnn and bf-unet, small, on 16x16 grayscale patches of
// the photographs bundled with @gahb/datasets (subset S1, held-out test patches). Prints the test PSNR at
// σ = 0.1 and 0.4 after every epoch; it should rise over the run's few hundred steps.
//
// Build first: npx tsc -b packages/models/tsconfig.build.json
// Run:         node bench/models-train-smoke.mjs [--epochs 4] [--n 256]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import backend from '../packages/backend/dist/index.js';
import datasets from '../packages/datasets/dist/index.js';
import models from '../packages/models/dist/index.js';

const { initBackend } = backend;
const { prepareDataset, splitSubsets, selectImages } = datasets;
const { trainDenoiser } = models;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const epochs = option('--epochs', 4);
const n = option('--n', 256);

await initBackend({ backend: 'wasm' });
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);

const dataset = await prepareDataset('patches:', { size: 16, patchesPerImage: 64, seed: 0 });
const { s1 } = splitSubsets(dataset, n, { testCount: 64 });
const train = selectImages(dataset.images, s1.indices);
const test = selectImages(dataset.images, s1.testIndices);
console.log(`data: ${dataset.images.shape[0]} patches 16x16, S1 N = ${train.shape[0]}, ${test.shape[0]} test patches (${s1.testSource})`);

for (const [architecture, config] of [
  ['bf-cnn', { layers: 7, channels: 16 }],
  ['bf-unet', { blocks: 2, channels: 8 }],
]) {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'gahb-smoke-'));
  const started = performance.now();
  const { metrics } = await trainDenoiser({
    architecture,
    config,
    data: { train, test },
    dataInfo: { source: dataset.source, side: 1, n },
    epochs,
    samplesPerEpoch: 1024,
    batchSize: 16,
    seed: 0,
    outDir,
    evalSigmas: [0.1, 0.4],
    evalImages: 64,
  });
  const seconds = (performance.now() - started) / 1000;
  for (const line of metrics) {
    const [low, high] = line.psnrBySigma;
    console.log(
      `${architecture} epoch ${line.epoch} step ${line.step}: train ${line.trainPsnr.toFixed(2)} dB, test ${line.testPsnr.toFixed(2)} dB, ` +
        `σ=0.1 ${low.inputPsnr.toFixed(1)} → ${low.outputPsnr.toFixed(2)} dB, σ=0.4 ${high.inputPsnr.toFixed(1)} → ${high.outputPsnr.toFixed(2)} dB`,
    );
  }
  console.log(`${architecture}: ${metrics[metrics.length - 1].step} steps in ${seconds.toFixed(0)} s`);
  await rm(outDir, { recursive: true, force: true });
}
console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
