/**
 * Model variance between two denoisers: for each noise level σ, the mean over test images x of
 * ‖x̂₁(y) − x̂₂(y)‖² / d with y = x + σz, the same noise z for both denoisers. It is 0 when the two denoisers
 * compute the same function on those inputs, a direct measure of whether two networks trained on disjoint
 * sets learned the same denoiser.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream, assertImageBatch, type ImageBatch } from '@gahb/core';
import type { Denoiser } from '@gahb/backend';

export interface ModelVarianceOptions {
  /** Test images denoised at once. Default 32. */
  batchSize?: number;
}

export interface ModelVariancePoint {
  /** Noise level σ in pixel units. */
  sigma: number;
  /** Mean over test images of ‖x̂₁(y) − x̂₂(y)‖² / number of values per image. */
  variance: number;
}

/**
 * Returns the model variance of `first` and `second` at each σ of `sigmas`, on `testImages`
 * [n, height, width, channels]. Image i uses the noise stream ('model-variance', i) of `seed`, the same
 * standard normal z at every σ.
 */
export async function modelVariance(
  first: Denoiser,
  second: Denoiser,
  testImages: ImageBatch,
  sigmas: readonly number[],
  seed: number,
  options: ModelVarianceOptions = {},
): Promise<ModelVariancePoint[]> {
  assertImageBatch(testImages, 'test images');
  const [n, height, width, channels] = testImages.shape;
  if (n === 0) {
    throw new Error('modelVariance: no test images; pass at least one.');
  }
  for (const sigma of sigmas) {
    if (!(Number.isFinite(sigma) && sigma >= 0)) {
      throw new Error(`modelVariance: noise level ${sigma} is invalid: use values >= 0.`);
    }
  }
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new Error(`modelVariance: batchSize ${batchSize} is invalid: use an integer >= 1.`);
  }
  const imageSize = height * width * channels;
  const invalid = testImages.data.findIndex((value) => !Number.isFinite(value));
  if (invalid >= 0) {
    throw new Error(
      `modelVariance: test image ${Math.floor(invalid / imageSize)} contains ${testImages.data[invalid]}; use images with finite values.`,
    );
  }

  const noise = new Float32Array(n * imageSize);
  for (let i = 0; i < n; i++) {
    RandomStream.fromSeed(seed, 'model-variance', i).fillNormal(noise.subarray(i * imageSize, (i + 1) * imageSize));
  }

  const points: ModelVariancePoint[] = [];
  for (const sigma of sigmas) {
    let total = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      const sumOfSquares = tf.tidy(() => {
        const clean = tf.tensor4d(testImages.data.subarray(start * imageSize, end * imageSize), [end - start, height, width, channels]);
        const z = tf.tensor4d(noise.subarray(start * imageSize, end * imageSize), [end - start, height, width, channels]);
        const noisy = tf.add(clean, tf.mul(z, sigma)) as tf.Tensor4D;
        const firstEstimate = first.denoise(noisy, { sigma });
        const secondEstimate = second.denoise(noisy, { sigma });
        // tf.sub would broadcast a wrongly shaped output (one channel against three) into a plausible number.
        for (const [denoiser, estimate] of [[first, firstEstimate], [second, secondEstimate]] as const) {
          if (estimate.shape.join(',') !== noisy.shape.join(',')) {
            throw new Error(
              `modelVariance: denoiser "${denoiser.name}" returned shape [${estimate.shape.join(', ')}] for input ` +
                `[${noisy.shape.join(', ')}]; a denoiser must return an image of the shape it was given.`,
            );
          }
        }
        const difference = tf.sub(firstEstimate, secondEstimate);
        return tf.sum(tf.square(difference));
      });
      total += (await sumOfSquares.data())[0];
      sumOfSquares.dispose();
    }
    points.push({ sigma, variance: total / (n * imageSize) });
  }
  return points;
}
