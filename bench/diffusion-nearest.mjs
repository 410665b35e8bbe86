// Benchmark of the exact nearest-neighbour search of @gahb/diffusion (mean-removed cosine similarity, blocked
// matrix products on the wasm backend): 100 queries against 10^5 training images of 80x80. The baseline in the
// same run is a plain JavaScript double loop over pairs on a subset, scaled to the full set.
// The training set repeats 4096 seeded random images: the time of a matrix product does not depend on the values.
//
// Build first: npx tsc -b packages/diffusion/tsconfig.build.json
// Run:         node bench/diffusion-nearest.mjs [--training 100000] [--queries 100] [--chunk 4096]
import os from 'node:os';
import backend from '../packages/backend/dist/index.js';
import core from '../packages/core/dist/index.js';
import diffusion from '../packages/diffusion/dist/index.js';

const { initBackend } = backend;
const { RandomStream, imageBatchFromData } = core;
const { nearestNeighbors } = diffusion;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const trainingCount = Number(option('--training', '100000'));
const queryCount = Number(option('--queries', '100'));
const chunkSize = Number(option('--chunk', '4096'));
const size = 80;
const pixels = size * size;

const choice = await initBackend({ backend: 'wasm' });
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0].model}), load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`backend: ${choice.name}, tfjs ${choice.tfjsVersion}`);

const distinct = Math.min(4096, trainingCount);
const block = RandomStream.fromSeed(0, 'bench-training').fillUniform(new Float32Array(distinct * pixels));
const training = new Float32Array(trainingCount * pixels);
for (let start = 0; start < trainingCount; start += distinct) {
  const count = Math.min(distinct, trainingCount - start);
  training.set(block.subarray(0, count * pixels), start * pixels);
}
const queries = RandomStream.fromSeed(0, 'bench-queries').fillUniform(new Float32Array(queryCount * pixels));
const trainingBatch = imageBatchFromData(training, [trainingCount, size, size, 1]);
const queryBatch = imageBatchFromData(queries, [queryCount, size, size, 1]);

// CPU time is reported next to wall time because the machine is shared: under load, wall time overstates.
const started = performance.now();
const cpuStarted = process.cpuUsage();
const result = await nearestNeighbors(queryBatch, trainingBatch, { chunkSize });
const searchMs = performance.now() - started;
const searchCpu = process.cpuUsage(cpuStarted);
const searchCpuMs = (searchCpu.user + searchCpu.system) / 1000;

// Baseline: mean-removed cosine similarity by plain loops over 10 queries x 2000 training images.
const baselineQueries = 10;
const baselineTraining = 2000;
const baselineStarted = performance.now();
const baselineCpuStarted = process.cpuUsage();
let checksum = 0;
for (let q = 0; q < baselineQueries; q++) {
  const query = queries.subarray(q * pixels, (q + 1) * pixels);
  const queryMean = query.reduce((sum, value) => sum + value, 0) / pixels;
  for (let t = 0; t < baselineTraining; t++) {
    const image = training.subarray(t * pixels, (t + 1) * pixels);
    let mean = 0;
    for (let k = 0; k < pixels; k++) mean += image[k];
    mean /= pixels;
    let product = 0;
    let normQuery = 0;
    let normImage = 0;
    for (let k = 0; k < pixels; k++) {
      const a = query[k] - queryMean;
      const b = image[k] - mean;
      product += a * b;
      normQuery += a * a;
      normImage += b * b;
    }
    checksum += product / Math.sqrt(normQuery * normImage);
  }
}
const pairs = baselineQueries * baselineTraining;
const baselineMs = ((performance.now() - baselineStarted) / pairs) * queryCount * trainingCount;
const baselineCpu = process.cpuUsage(baselineCpuStarted);
const baselineCpuMs = ((baselineCpu.user + baselineCpu.system) / 1000 / pairs) * queryCount * trainingCount;

console.log(
  `${queryCount} queries x ${trainingCount} training images of ${size}x${size}, chunk ${chunkSize}: ` +
    `wall ${(searchMs / 1000).toFixed(2)} s, CPU ${(searchCpuMs / 1000).toFixed(2)} s ` +
    `(${((queryCount * trainingCount) / (searchCpuMs / 1000) / 1e6).toFixed(2)} M pairs per CPU second); ` +
    `plain loops scaled from ${baselineQueries}x${baselineTraining} pairs: wall ${(baselineMs / 1000).toFixed(1)} s, ` +
    `CPU ${(baselineCpuMs / 1000).toFixed(1)} s; speed-up ${(baselineCpuMs / searchCpuMs).toFixed(1)}x in CPU time ` +
    `[first match ${result.index[0]}, similarity ${result.similarity[0].toFixed(4)}, checksum ${checksum.toFixed(3)}]`,
);
console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
