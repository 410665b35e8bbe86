/**
 * Noisy training batches for blind denoisers: y = x + sigma · z with z ~ N(0, I) and one sigma per image
 * (Kadkhodaie et al., ICLR 2024, §3 training: the network is trained to predict sigma · z). Images are not
 * clipped after adding noise, as in the study.
 */

import { RandomStream, assertImageBatch, createImageBatch, type ImageBatch } from '@gahb/core';
import { drawNoiseLevel, resolveNoiseLevelOptions, type NoiseLevelOptions } from './noise-levels';

/** Options of {@link makeNoisyBatch}. */
export interface NoisyBatchOptions extends NoiseLevelOptions {
  /**
   * Fixed noise level for every image (pixel units of [0, 1] images), e.g. for PSNR at one sigma. The random
   * level is still drawn and discarded, so z is the same as without this option.
   */
  sigma?: number;
}

/** A noisy batch and the parts it was made of. */
export interface NoisyBatch {
  /** Noisy images y = x + noise, [n, height, width, channels]. */
  noisy: ImageBatch;
  /** The added noise sigma · z (the residual target y − x), [n, height, width, channels]. */
  noise: ImageBatch;
  /** Noise level of each image, in pixel units, length n. */
  sigma: Float32Array;
}

/**
 * Makes the noisy batch for `indices` (which images of `clean`, in batch order) at training step `step`.
 * Batch position p draws its sigma and then its noise from the stream
 * `RandomStream.fromSeed(seed, 'training-noise', step, p)`, so a batch is reproducible from
 * (seed, step) alone and does not depend on other batches.
 */
export function makeNoisyBatch(
  clean: ImageBatch,
  indices: ArrayLike<number>,
  seed: number,
  step: number,
  options: NoisyBatchOptions = {},
): NoisyBatch {
  assertImageBatch(clean, 'clean images');
  const [count, height, width, channels] = clean.shape;
  const imageSize = height * width * channels;
  const resolved = resolveNoiseLevelOptions(options);
  if (options.sigma !== undefined && (!Number.isFinite(options.sigma) || options.sigma < 0)) {
    throw new Error(`makeNoisyBatch: sigma ${options.sigma} is invalid: use a finite value >= 0.`);
  }
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new Error(`makeNoisyBatch: step ${step} is invalid: use an integer >= 0.`);
  }

  const batchSize = indices.length;
  const noisy = createImageBatch(batchSize, height, width, channels);
  const noise = createImageBatch(batchSize, height, width, channels);
  const sigma = new Float32Array(batchSize);

  for (let position = 0; position < batchSize; position++) {
    const index = indices[position];
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new Error(`makeNoisyBatch: image index ${index} at batch position ${position} is outside the ${count} clean images.`);
    }

    // Draw sigma first, then z, from the stream of this batch position.
    const stream = RandomStream.fromSeed(seed, 'training-noise', step, position);
    const drawnSigma = drawNoiseLevel(stream, resolved);
    const sigmaValue = options.sigma ?? drawnSigma;
    sigma[position] = sigmaValue;

    const offset = position * imageSize;
    const noiseImage = noise.data.subarray(offset, offset + imageSize);
    stream.fillNormal(noiseImage, 0, sigmaValue);

    const cleanOffset = index * imageSize;
    for (let k = 0; k < imageSize; k++) {
      noisy.data[offset + k] = clean.data[cleanOffset + k] + noiseImage[k];
    }
  }

  return { noisy, noise, sigma };
}
