/**
 * The Wiener (linear minimum-mean-squared-error) denoiser of a Gaussian prior x ~ N(μ, C) under
 * Gaussian noise y = x + σz, which is also the exact posterior mean for that prior:
 *
 *   x̂(y) = μ + C (C + σ²I)⁻¹ (y − μ) = μ + V diag(λ_k / (λ_k + σ²)) Vᵀ (y − μ)
 *
 * with C = V diag(λ) Vᵀ computed once, so each σ costs two matrix products.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser, DenoiseOptions } from '@gahb/backend';

import { assertSigma, sigmaColumn } from './sigma';
import { symmetricEigen } from './symmetric-eigen';

/** A Gaussian prior over images of shape [height, width, channels], flattened in C order (d = h·w·c). */
export interface GaussianPrior {
  /** Mean μ, length d. */
  mean: Float32Array | Float64Array;
  /** Covariance C, d×d row-major, symmetric positive semi-definite. */
  covariance: Float64Array;
  /** Image shape [height, width, channels]. */
  shape: [number, number, number];
}

/** Options of {@link WienerDenoiser}. */
export interface WienerOptions {
  /** Name shown in logs and reports; default "wiener (d = …)". */
  name?: string;
  /** Default noise standard deviation in pixel units of [0, 1] images, used when a call passes none. */
  sigma?: number;
}

/** Eigenvalues below −1e-10·λ_max are an error; smaller negative ones (rounding) are clamped to 0. */
const negativeEigenvalueTolerance = 1e-10;

export class WienerDenoiser implements Denoiser {
  readonly name: string;
  readonly shape: [number, number, number];
  /** Eigenvalues of C in decreasing order, clamped at 0. */
  readonly eigenvalues: Float64Array;
  private readonly sigma: number | undefined;
  private readonly mean: tf.Tensor2D;
  /** Eigenvectors as columns, [d, d]. */
  private readonly basis: tf.Tensor2D;
  private readonly eigenvalueRow: tf.Tensor2D;

  constructor(prior: GaussianPrior, options: WienerOptions = {}) {
    const [height, width, channels] = prior.shape;
    const d = height * width * channels;
    if (!prior.shape.every((size) => Number.isSafeInteger(size) && size > 0)) {
      throw new Error(`WienerDenoiser: shape [${prior.shape.join(', ')}] is invalid: use positive integers [height, width, channels].`);
    }
    if (prior.mean.length !== d) {
      throw new Error(`WienerDenoiser: mean has ${prior.mean.length} values but shape [${prior.shape.join(', ')}] needs ${d}.`);
    }
    if (prior.covariance.length !== d * d) {
      throw new Error(`WienerDenoiser: covariance has ${prior.covariance.length} values but a ${d}x${d} matrix needs ${d * d}.`);
    }
    if (options.sigma !== undefined) {
      assertSigma('WienerDenoiser', options.sigma);
    }

    // NOTE: Jacobi costs O(d³) per sweep in plain JavaScript; d = 256 takes about a second, d = 6400 is impractical.
    const { eigenvalues, eigenvectors } = symmetricEigen(prior.covariance, d);
    const largest = Math.max(eigenvalues[0], 0);
    for (let k = 0; k < d; k++) {
      if (eigenvalues[k] < -negativeEigenvalueTolerance * Math.max(largest, 1e-300)) {
        throw new Error(`WienerDenoiser: covariance has eigenvalue ${eigenvalues[k]} < 0; pass a positive semi-definite matrix.`);
      }
      eigenvalues[k] = Math.max(eigenvalues[k], 0);
    }

    this.name = options.name ?? `wiener (d = ${d})`;
    this.shape = [height, width, channels];
    this.eigenvalues = eigenvalues;
    this.sigma = options.sigma;
    this.mean = tf.tensor2d(Float32Array.from(prior.mean), [1, d]);
    this.basis = tf.tensor2d(Float32Array.from(eigenvectors), [d, d]);
    this.eigenvalueRow = tf.tensor2d(Float32Array.from(eigenvalues), [1, d]);
  }

  /**
   * Returns μ + C (C + σ²I)⁻¹ (y − μ) for `noisy` [n, height, width, channels]. `options.sigma` (one value or
   * one per image) overrides the constructor's sigma; one of them is required.
   */
  denoise(noisy: tf.Tensor4D, options: DenoiseOptions = {}): tf.Tensor4D {
    const [n, height, width, channels] = noisy.shape;
    const [expectedHeight, expectedWidth, expectedChannels] = this.shape;
    if (height !== expectedHeight || width !== expectedWidth || channels !== expectedChannels) {
      throw new Error(
        `WienerDenoiser: noisy images are ${height}x${width}x${channels} but the prior is over ` +
          `${expectedHeight}x${expectedWidth}x${expectedChannels} images; pass images of the prior's shape.`,
      );
    }
    return tf.tidy(() => {
      const sigma = sigmaColumn('WienerDenoiser', n, options.sigma, this.sigma);
      const y = tf.reshape(noisy, [n, height * width * channels]);

      // Shrink each eigen-coefficient of y − μ by λ_k / (λ_k + σ²), one σ per image (row).
      const coefficients = tf.matMul(tf.sub(y, this.mean), this.basis);
      const gains = tf.div(this.eigenvalueRow, tf.add(this.eigenvalueRow, tf.square(sigma)));
      const estimate = tf.add(this.mean, tf.matMul(tf.mul(coefficients, gains), this.basis, false, true));
      return tf.reshape(estimate, [n, height, width, channels]) as tf.Tensor4D;
    });
  }

  /** Releases the prior's tensors; the denoiser cannot be used afterwards. */
  dispose(): void {
    this.mean.dispose();
    this.basis.dispose();
    this.eigenvalueRow.dispose();
  }
}
