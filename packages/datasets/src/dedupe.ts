/**
 * Removal of near-duplicate images, as the study prepares CelebA (Kadkhodaie et al., ICLR 2024,
 * App. A.1 and Fig. 6; code `remove_repeats`): each image is average-pooled to 20x20, its mean is
 * subtracted, and image i is removed when some earlier image j < i has |similarity(i, j)| above the
 * threshold (0.95), where similarity is the cosine of the mean-removed pooled images. An earlier image
 * counts even if it is removed itself, as in the study.
 *
 * The study builds the dense n x n matrix (160 GB for 200k images). Here the lower triangle is computed in
 * blocks of rows against all earlier rows, so memory stays O(n · 400). Row blocks are spread over worker
 * threads, or, with one thread, the event loop gets control between blocks. The work is still O(n²·400)
 * multiply-adds.
 */

import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { assertImageBatch, type ImageBatch } from '@gahb/core';
import { resizeArea } from './preprocess';

/** Options of {@link findNearDuplicates}. */
export interface DedupeOptions {
  /** Similarity above which the later image is removed; default 0.95. */
  threshold?: number;
  /** Compare the signed similarity instead of its absolute value (the study uses the absolute value); default false. */
  signed?: boolean;
  /** Side of the pooled images; default 20. */
  poolSize?: number;
  /** Rows compared per block between event-loop turns; default 256. */
  blockSize?: number;
  /** Threads comparing row blocks; default 1 below 2048 images, else the number of available cores. */
  threads?: number;
  /** Called after each block with the number of rows finished and the total. */
  onProgress?: (rowsDone: number, rowCount: number) => void;
}

/** Image count from which worker threads are used by default, because starting one costs tens of milliseconds (an estimate). */
const WORKER_MIN_IMAGES = 2048;

/** Result of {@link findNearDuplicates}. */
export interface DedupeResult {
  /** Indices of the images kept, increasing. */
  keep: Int32Array;
  /** Indices of the images removed, increasing. */
  removed: Int32Array;
  /** For each removed image (same order as `removed`), the first earlier image above the threshold. */
  duplicateOf: Int32Array;
}

/**
 * Mean-removed, unit-norm features of the images pooled to poolSize x poolSize (all channels, flattened),
 * [n, poolSize² · channels]. An image with zero variance gets a zero feature, so it matches nothing.
 */
export function similarityFeatures(images: ImageBatch, poolSize = 20): Float32Array {
  assertImageBatch(images);
  const [count, height, width, channels] = images.shape;
  if (height < poolSize || width < poolSize) {
    throw new Error(`Near-duplicate removal pools images to ${poolSize}x${poolSize}; images of ${width}x${height} are smaller: use a smaller poolSize.`);
  }
  const imageSize = height * width * channels;
  const featureLength = poolSize * poolSize * channels;
  const features = new Float32Array(count * featureLength);

  for (let i = 0; i < count; i++) {
    const image = { data: images.data.subarray(i * imageSize, (i + 1) * imageSize), height, width, channels };
    const pooled = resizeArea(image, poolSize, poolSize).data;

    // Subtract the mean, then scale to unit norm, so that a dot product is the mean-removed cosine.
    let mean = 0;
    for (let k = 0; k < featureLength; k++) {
      mean += pooled[k];
    }
    mean /= featureLength;
    let squaredNorm = 0;
    for (let k = 0; k < featureLength; k++) {
      const centred = pooled[k] - mean;
      squaredNorm += centred * centred;
    }
    // NOTE: a constant image has no direction, so it is never flagged, not even against another constant image.
    const scale = squaredNorm > 1e-20 ? 1 / Math.sqrt(squaredNorm) : 0;
    const offset = i * featureLength;
    for (let k = 0; k < featureLength; k++) {
      features[offset + k] = (pooled[k] - mean) * scale;
    }
  }
  return features;
}

/** Finds near-duplicates in `images` [n, height, width, channels]; see the file header for the rule. */
export async function findNearDuplicates(images: ImageBatch, options: DedupeOptions = {}): Promise<DedupeResult> {
  const threshold = options.threshold ?? 0.95;
  const signed = options.signed ?? false;
  const poolSize = options.poolSize ?? 20;
  const blockSize = options.blockSize ?? 256;
  if (!Number.isFinite(threshold) || threshold <= -1 || threshold >= 1) {
    throw new Error(`Near-duplicate threshold ${threshold} is invalid: use a similarity between -1 and 1 (exclusive).`);
  }
  if (!Number.isSafeInteger(poolSize) || poolSize <= 0) {
    throw new Error(`poolSize ${poolSize} is invalid: use an integer > 0.`);
  }
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0) {
    throw new Error(`blockSize ${blockSize} is invalid: use an integer > 0.`);
  }

  const count = images.shape[0];
  const threads = options.threads ?? (count < WORKER_MIN_IMAGES ? 1 : os.availableParallelism());
  if (!Number.isSafeInteger(threads) || threads <= 0) {
    throw new Error(`threads ${threads} is invalid: use an integer > 0.`);
  }

  // Features and results live in shared memory, so that worker threads read and write them without copies.
  const localFeatures = similarityFeatures(images, poolSize);
  const features = new Float32Array(new SharedArrayBuffer(localFeatures.byteLength));
  features.set(localFeatures);
  const length = features.length / Math.max(count, 1);
  const duplicateOf = new Int32Array(new SharedArrayBuffer(4 * Math.max(count, 1))).fill(-1);
  const task: CompareTask = { features, duplicateOf, count, length, blockSize, threshold, signed };

  const blockCount = Math.ceil(count / blockSize);
  if (threads === 1 || blockCount < 2) {
    for (let block = 0; block < blockCount; block++) {
      compareRowBlock(task, block);
      options.onProgress?.(Math.min((block + 1) * blockSize, count), count);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } else {
    await compareInWorkers(task, Math.min(threads, blockCount), options.onProgress);
  }

  const keep: number[] = [];
  const removed: number[] = [];
  const firstMatch: number[] = [];
  for (let i = 0; i < count; i++) {
    if (duplicateOf[i] < 0) {
      keep.push(i);
    } else {
      removed.push(i);
      firstMatch.push(duplicateOf[i]);
    }
  }
  return { keep: Int32Array.from(keep), removed: Int32Array.from(removed), duplicateOf: Int32Array.from(firstMatch) };
}

/** Inputs of {@link compareRowBlock}, shared by the main thread and the worker threads. */
interface CompareTask {
  /** Unit-norm features [count, length], on a SharedArrayBuffer. */
  features: Float32Array;
  /** Per image, the first earlier match or -1, on a SharedArrayBuffer. */
  duplicateOf: Int32Array;
  count: number;
  length: number;
  blockSize: number;
  threshold: number;
  signed: boolean;
}

/**
 * Compares the rows of block `block` with all earlier rows and records each row's first match.
 * Worker threads run this function from its source text (`toString()`), so it must not refer to anything
 * outside its own body.
 */
function compareRowBlock(task: CompareTask, block: number): void {
  const { features, duplicateOf, count, length, blockSize, threshold, signed } = task;
  const blockStart = block * blockSize;
  const blockEnd = Math.min(blockStart + blockSize, count);

  // Compare each row of the block with the earlier rows one column block at a time, so that the column
  // features stay in cache. A row stops at its first match.
  for (let columnStart = 0; columnStart < blockEnd; columnStart += blockSize) {
    const columnEnd = Math.min(columnStart + blockSize, blockEnd);
    for (let i = Math.max(blockStart, columnStart + 1); i < blockEnd; i++) {
      if (duplicateOf[i] >= 0) {
        continue;
      }
      const rowOffset = i * length;
      const lastColumn = Math.min(columnEnd, i);
      for (let j = columnStart; j < lastColumn; j++) {
        // Dot product of rows i and j, accumulated in four lanes.
        const columnOffset = j * length;
        let sum0 = 0;
        let sum1 = 0;
        let sum2 = 0;
        let sum3 = 0;
        let k = 0;
        for (; k + 3 < length; k += 4) {
          sum0 += features[rowOffset + k] * features[columnOffset + k];
          sum1 += features[rowOffset + k + 1] * features[columnOffset + k + 1];
          sum2 += features[rowOffset + k + 2] * features[columnOffset + k + 2];
          sum3 += features[rowOffset + k + 3] * features[columnOffset + k + 3];
        }
        for (; k < length; k++) {
          sum0 += features[rowOffset + k] * features[columnOffset + k];
        }
        const similarity = sum0 + sum1 + sum2 + sum3;
        if ((signed ? similarity : Math.abs(similarity)) > threshold) {
          duplicateOf[i] = j;
          break;
        }
      }
    }
  }
}

/**
 * Source of a worker thread: it takes row blocks from a shared counter until none are left and reports
 * the rows of each finished block.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const compareRowBlock = ${compareRowBlock.toString()};
const { task, nextBlock, blockCount } = workerData;
for (;;) {
  const block = Atomics.add(nextBlock, 0, 1);
  if (block >= blockCount) {
    break;
  }
  compareRowBlock(task, block);
  parentPort.postMessage(Math.min(task.blockSize, task.count - block * task.blockSize));
}
`;

/** Runs {@link compareRowBlock} over all blocks in `threadCount` worker threads. */
async function compareInWorkers(
  task: CompareTask,
  threadCount: number,
  onProgress: DedupeOptions['onProgress'],
): Promise<void> {
  const blockCount = Math.ceil(task.count / task.blockSize);
  const nextBlock = new Int32Array(new SharedArrayBuffer(4));
  let rowsDone = 0;

  const workers = Array.from({ length: threadCount }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { task, nextBlock, blockCount } }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (rows: number) => {
              rowsDone += rows;
              onProgress?.(rowsDone, task.count);
            });
            worker.once('error', reject);
            worker.once('exit', (code) => {
              if (code === 0) {
                resolve();
              } else {
                reject(new Error(`Near-duplicate worker thread exited with code ${code}.`));
              }
            });
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
