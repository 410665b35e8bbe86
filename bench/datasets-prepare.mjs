// Benchmark of @gahb/datasets: preparing CelebA-sized JPEGs (178x218 RGB) into 80x80 grayscale images with
// the study's crop (celeba: source, area averaging), in images per second.
// Compares: one file at a time (baseline), several files in flight on sharp's thread pool (what
// prepareDataset does, 4 x cores by default), and worker_threads that each prepare a share of the files.
// Then times near-duplicate removal on up to 3000 of the prepared images against a dense similarity matrix.
// Build first: npx tsc -b packages/datasets/tsconfig.build.json
// Usage: node bench/datasets-prepare.mjs [imageCount=10000]
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const datasetsPath = path.join(root, 'packages/datasets/dist/index.js');
const { decodeImageFiles, listImageFiles, prepareDataset, findNearDuplicates, similarityFeatures, CELEBA_CROP } = require(datasetsPath);
const sharp = require('sharp');

const imageCount = Number(process.argv[2] ?? 10_000);
const WIDTH = 178;
const HEIGHT = 218;

/**
 * Writes `count` JPEGs of 178x218 (quality 90). Image i is a sum of two plane waves whose frequencies and
 * phases come from a small linear congruential generator seeded with i, so that images are not near-duplicates.
 */
async function writeJpegs(dir, count) {
  await mkdir(dir, { recursive: true });
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const waves = Array.from({ length: 2 }, () => ({ fx: 0.2 * random() - 0.1, fy: 0.2 * random() - 0.1, phase: 6.3 * random() }));
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const value = waves.reduce((sum, wave) => sum + 50 * Math.sin(wave.fx * x + wave.fy * y + wave.phase), 128);
        const k = (y * WIDTH + x) * 3;
        pixels[k] = value;
        pixels[k + 1] = value * 0.9;
        pixels[k + 2] = value * 0.8;
      }
    }
    await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path.join(dir, `${String(i + 1).padStart(6, '0')}.jpg`));
  }
}

const options = { size: 80, channels: 1, crop: CELEBA_CROP, grayscale: 'mean' };

async function runInProcess(files, concurrency) {
  const start = performance.now();
  const result = await decodeImageFiles(files, { ...options, concurrency });
  const ms = performance.now() - start;
  if (result.images.shape[0] !== files.length) {
    throw new Error(`Prepared ${result.images.shape[0]} of ${files.length} images: every file must decode.`);
  }
  return ms;
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { decodeImageFiles } = require(workerData.datasetsPath);
decodeImageFiles(workerData.files, { ...workerData.options, concurrency: workerData.concurrency }).then((result) => {
  parentPort.postMessage(result.images.data, [result.images.data.buffer]);
});
`;

async function runInWorkers(files, workerCount, concurrency) {
  const start = performance.now();
  const share = Math.ceil(files.length / workerCount);
  const parts = await Promise.all(
    Array.from({ length: workerCount }, (_, w) => {
      const worker = new Worker(workerSource, {
        eval: true,
        workerData: { datasetsPath, files: files.slice(w * share, (w + 1) * share), options, concurrency },
      });
      return new Promise((resolve, reject) => {
        worker.once('message', (data) => {
          resolve(data);
          worker.terminate();
        });
        worker.once('error', reject);
      });
    }),
  );
  const ms = performance.now() - start;
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (total !== files.length * 80 * 80) {
    throw new Error(`Workers returned ${total / 6400} of ${files.length} images: every file must decode.`);
  }
  return ms;
}

/** Dense baseline: the full n x n similarity matrix of the pooled features, then the lower-triangle test. */
function denseDuplicates(features, count, threshold) {
  const length = features.length / count;
  const similarity = new Float32Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      let sum = 0;
      for (let k = 0; k < length; k++) {
        sum += features[i * length + k] * features[j * length + k];
      }
      similarity[i * count + j] = sum;
    }
  }
  const removed = [];
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(similarity[i * count + j]) > threshold) {
        removed.push(i);
        break;
      }
    }
  }
  return removed;
}

async function benchDedupe(images) {
  const { imageBatchFromData } = require(path.join(root, 'packages/core/dist/index.js'));
  const count = Math.min(3000, images.shape[0]);
  const subset = imageBatchFromData(images.data.slice(0, count * 6400), [count, 80, 80, 1]);
  const pairs = (count * (count - 1)) / 2;

  const denseCpuBefore = process.cpuUsage();
  let start = performance.now();
  const features = similarityFeatures(subset);
  const removedDense = denseDuplicates(features, count, 0.95);
  const denseMs = performance.now() - start;
  const denseCpu = process.cpuUsage(denseCpuBefore);

  const rate = (ms) => ((pairs / ms) * 1000 / 1e6).toFixed(2).padStart(6);
  console.log(
    `${'dense n x n matrix (baseline)'.padEnd(52)} ${denseMs.toFixed(0).padStart(7)} ms  ${rate(denseMs)} M pairs/s  x1.00  ` +
      `(process CPU ${((denseCpu.user + denseCpu.system) / 1000).toFixed(0)} ms)`,
  );

  // CPU time is reported too because, on a shared machine, wall time depends on what else runs.
  for (const threads of [1, os.availableParallelism()]) {
    const cpuBefore = process.cpuUsage();
    start = performance.now();
    const result = await findNearDuplicates(subset, { threads });
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    if (result.removed.length !== removedDense.length) {
      throw new Error(`Blocked removal found ${result.removed.length} near-duplicates, the dense matrix ${removedDense.length}.`);
    }
    const name = `findNearDuplicates, ${threads} thread${threads > 1 ? 's' : ''} (blocked lower triangle)`;
    console.log(
      `${name.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms  ${rate(ms)} M pairs/s  x${(denseMs / ms).toFixed(2)}  ` +
        `(process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)`,
    );
  }
  console.log(`near-duplicates among ${count} images: ${removedDense.length}`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-bench-datasets-'));
try {
  const imageDir = path.join(dir, 'img_align_celeba');
  const writeStart = performance.now();
  await writeJpegs(imageDir, imageCount);
  console.log(`wrote ${imageCount} JPEGs of ${WIDTH}x${HEIGHT} in ${((performance.now() - writeStart) / 1000).toFixed(1)} s`);
  const files = (await listImageFiles(imageDir)).map((file) => path.join(imageDir, file));

  // Warm up sharp and the JIT on a few files.
  await runInProcess(files.slice(0, 200), 2);

  console.log(`cores: ${os.availableParallelism()}, load average: ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
  const cases = [
    ['one file at a time (baseline)', () => runInProcess(files, 1)],
    ['sharp thread pool, 2 in flight', () => runInProcess(files, 2)],
    ['sharp thread pool, 4 in flight', () => runInProcess(files, 4)],
    ['sharp thread pool, 8 in flight', () => runInProcess(files, 8)],
    ['sharp thread pool, 16 in flight', () => runInProcess(files, 16)],
    ['2 worker_threads, 1 in flight each', () => runInWorkers(files, 2, 1)],
    ['2 worker_threads, 4 in flight each', () => runInWorkers(files, 2, 4)],
  ];
  let baseline = null;
  for (const [name, run] of cases) {
    const ms = await run();
    baseline ??= ms;
    const rate = (files.length / ms) * 1000;
    console.log(`${name.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms  ${rate.toFixed(0).padStart(6)} images/s  x${(baseline / ms).toFixed(2)}`);
  }
  const start = performance.now();
  const dataset = await prepareDataset(`celeba:${dir}`, {});
  const ms = performance.now() - start;
  console.log(
    `${'prepareDataset celeba: (defaults, listing and rounding included)'.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms  ` +
      `${((dataset.images.shape[0] / ms) * 1000).toFixed(0).padStart(6)} images/s  x${(baseline / ms).toFixed(2)}`,
  );

  // Near-duplicate removal on up to 3000 prepared images, against the dense similarity matrix the study builds.
  await benchDedupe(dataset.images);
  console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
