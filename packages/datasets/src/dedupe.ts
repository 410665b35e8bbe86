/**
 * Removal of near-duplicate images, as the study prepares CelebA (Kadkhodaie et al., ICLR 2024,
 * App. A.1 and Fig. 6; code `remove_repeats`): each image is average-pooled to 20x20, its mean is
 * subtracted, and image i is removed when some earlier image j < i has |similarity(i, j)| above the
 * threshold (0.95), where similarity is the cosine of the mean-removed pooled images. An earlier image
 * counts even if it is removed itself, as in the study.
 *
 * The study builds the dense n x n matrix (160 GB for 200k images). Here the lower triangle is computed in
 * blocks of rows against all earlier rows, so memory stays O(n · 400), and the event loop gets control
 * between blocks. The work is still O(n²·400) multiply-adds.
 */

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
  /** Called after each block with the number of rows finished and the total. */
  onProgress?: (rowsDone: number, rowCount: number) => void;
}

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
  const features = similarityFeatures(images, poolSize);
  const length = features.length / Math.max(count, 1);
  const duplicateOf = new Int32Array(count).fill(-1);

  for (let blockStart = 0; blockStart < count; blockStart += blockSize) {
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
          const similarity = dot(features, rowOffset, j * length, length);
          if ((signed ? similarity : Math.abs(similarity)) > threshold) {
            duplicateOf[i] = j;
            break;
          }
        }
      }
    }

    options.onProgress?.(blockEnd, count);
    await new Promise<void>((resolve) => setImmediate(resolve));
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

/** Dot product of two rows of `values`, accumulated in four float64 lanes. */
function dot(values: Float32Array, offsetA: number, offsetB: number, length: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let k = 0;
  for (; k + 3 < length; k += 4) {
    sum0 += values[offsetA + k] * values[offsetB + k];
    sum1 += values[offsetA + k + 1] * values[offsetB + k + 1];
    sum2 += values[offsetA + k + 2] * values[offsetB + k + 2];
    sum3 += values[offsetA + k + 3] * values[offsetB + k + 3];
  }
  for (; k < length; k++) {
    sum0 += values[offsetA + k] * values[offsetB + k];
  }
  return sum0 + sum1 + sum2 + sum3;
}
