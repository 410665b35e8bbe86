/**
 * The exact minimum-mean-squared-error denoiser of a finite training set {x_1, …, x_N} under Gaussian
 * noise of known σ, i.e. the posterior mean when the prior is the empirical distribution of the set:
 *
 *   x̂(y) = Σ_i w_i(y) x_i,   w_i(y) = softmax_i(−‖y − x_i‖² / (2σ²))
 *
 * A denoiser that reaches this optimum on its training set has memorized it (Kadkhodaie et al., ICLR 2024,
 * §2: the "ideal memorizer" whose samples are copies of training images).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser, DenoiseOptions } from '@gahb/backend';
import { assertImageBatch, type ImageBatch } from '@gahb/core';

import { assertSigma, sigmaColumn } from './sigma';

/** Options of {@link EmpiricalMmseDenoiser}. */
export interface EmpiricalMmseOptions {
  /** Name shown in logs and reports; default "empirical-mmse (N = …)". */
  name?: string;
  /** Default noise standard deviation in pixel units of [0, 1] images, used when a call passes none. */
  sigma?: number;
  /** Training images per matrix product (memory ∝ n·chunkSize); default 1024. */
  chunkSize?: number;
}

export class EmpiricalMmseDenoiser implements Denoiser {
  readonly name: string;
  /** Training images, shape [N, height, width, channels]. */
  readonly imageShape: [number, number, number];
  readonly trainingSize: number;
  private readonly sigma: number | undefined;
  /** Chunks of the flattened training set [k, d] and of ½‖x_i‖² [1, k]. */
  private readonly chunks: Array<{ images: tf.Tensor2D; halfSquaredNorms: tf.Tensor2D }> = [];

  /** @param training the training set [N, height, width, channels], N ≥ 1; copied into tensors once. */
  constructor(training: ImageBatch, options: EmpiricalMmseOptions = {}) {
    assertImageBatch(training, 'EmpiricalMmseDenoiser training images');
    const [count, height, width, channels] = training.shape;
    if (count < 1) {
      throw new Error('EmpiricalMmseDenoiser: the training set is empty; pass at least one image.');
    }
    if (options.sigma !== undefined) {
      assertSigma('EmpiricalMmseDenoiser', options.sigma);
    }
    const chunkSize = options.chunkSize ?? 1024;
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new Error(`EmpiricalMmseDenoiser: chunkSize ${chunkSize} is invalid: use an integer ≥ 1.`);
    }

    this.name = options.name ?? `empirical-mmse (N = ${count})`;
    this.imageShape = [height, width, channels];
    this.trainingSize = count;
    this.sigma = options.sigma;

    // NOTE: the whole training set lives in backend memory (N·d·4 bytes); the wasm backend's heap is a 32-bit
    // wasm memory, so sets much beyond 2 GB (e.g. 10^5 images of 80x80) are expected to fail there (untested).
    const dimension = height * width * channels;
    for (let start = 0; start < count; start += chunkSize) {
      const end = Math.min(count, start + chunkSize);
      const values = training.data.subarray(start * dimension, end * dimension);
      const images = tf.tensor2d(values, [end - start, dimension], 'float32');
      const halfSquaredNorms = tf.tidy(() => tf.reshape(tf.mul(0.5, tf.sum(tf.square(images), 1)), [1, end - start]) as tf.Tensor2D);
      this.chunks.push({ images, halfSquaredNorms });
    }
  }

  /**
   * Returns the posterior mean x̂(y) for `noisy` [n, height, width, channels]. `options.sigma` (one value or
   * one per image) overrides the constructor's sigma; one of them is required. Built from tf ops only, so
   * tf.grad differentiates it.
   */
  denoise(noisy: tf.Tensor4D, options: DenoiseOptions = {}): tf.Tensor4D {
    const [n, height, width, channels] = noisy.shape;
    const [expectedHeight, expectedWidth, expectedChannels] = this.imageShape;
    if (height !== expectedHeight || width !== expectedWidth || channels !== expectedChannels) {
      throw new Error(
        `EmpiricalMmseDenoiser: noisy images are ${height}x${width}x${channels} but the training images are ` +
          `${expectedHeight}x${expectedWidth}x${expectedChannels}; pass images of the training shape.`,
      );
    }
    return tf.tidy(() => {
      const sigma = sigmaColumn('EmpiricalMmseDenoiser', n, options.sigma, this.sigma);
      const y = tf.reshape(noisy, [n, height * width * channels]) as tf.Tensor2D;
      const inverseVariance = tf.div(1, tf.square(sigma));

      // Logits −‖y − x_i‖²/(2σ²) up to the per-row constant −‖y‖²/(2σ²), which the softmax ignores:
      // (y·x_i − ½‖x_i‖²)/σ². Chunks are merged with a running log-sum-exp (max m, sum s, weighted sum):
      // each chunk is rescaled by exp(m_chunk − m) so no exponent is positive.
      // NOTE: in float32 the logits carry rounding errors of about 1e-7·‖y‖²/σ², which matter for σ below ~1e-3.
      let runningMax: tf.Tensor | undefined;
      let runningSum: tf.Tensor | undefined;
      let runningMean: tf.Tensor | undefined;
      for (const chunk of this.chunks) {
        const logits = tf.mul(tf.sub(tf.matMul(y, chunk.images, false, true), chunk.halfSquaredNorms), inverseVariance);
        const chunkMax = tf.max(logits, 1, true);
        const weights = tf.exp(tf.sub(logits, chunkMax));
        const chunkSum = tf.sum(weights, 1, true);
        const chunkWeighted = tf.matMul(weights, chunk.images);
        if (runningMax === undefined || runningSum === undefined || runningMean === undefined) {
          runningMax = chunkMax;
          runningSum = chunkSum;
          runningMean = chunkWeighted;
          continue;
        }
        const newMax = tf.maximum(runningMax, chunkMax);
        const oldScale = tf.exp(tf.sub(runningMax, newMax));
        const chunkScale = tf.exp(tf.sub(chunkMax, newMax));
        runningSum = tf.add(tf.mul(runningSum, oldScale), tf.mul(chunkSum, chunkScale));
        runningMean = tf.add(tf.mul(runningMean, oldScale), tf.mul(chunkWeighted, chunkScale));
        runningMax = newMax;
      }
      const estimate = tf.div(runningMean as tf.Tensor, runningSum as tf.Tensor);
      return tf.reshape(estimate, [n, height, width, channels]) as tf.Tensor4D;
    });
  }

  /** Releases the training tensors; the denoiser cannot be used afterwards. */
  dispose(): void {
    for (const chunk of this.chunks) {
      chunk.images.dispose();
      chunk.halfSquaredNorms.dispose();
    }
    this.chunks.length = 0;
  }
}
