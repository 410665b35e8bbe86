/**
 * Peak signal-to-noise ratio of images in [0, 1]: PSNR = 10·log10(1 / MSE) per image, MSE over all pixels;
 * a batch's PSNR is the mean of its per-image values (as the study's `batch_ave_psnr_torch`), not the PSNR
 * of the mean MSE. Outputs are not clipped.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Returns the per-image mean squared error of `a − b`, both [n, height, width, channels], as a [n] tensor. */
export function perImageMse(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(a, b)), [1, 2, 3]) as tf.Tensor1D);
}

/** Returns 10·log10(1 / mse) for each value. A zero MSE gives Infinity. */
export function psnrFromMse(mse: ArrayLike<number>): number[] {
  return Array.from(mse, (value) => 10 * Math.log10(1 / value));
}

/** Returns the mean of per-image PSNRs in dB. */
export function meanPsnr(mse: ArrayLike<number>): number {
  const values = psnrFromMse(mse);
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The study's evaluation grid: σ₂₅₅ = logspace(0, 2.5, 10), i.e. 1 … 316 on the 0..255 scale, as σ in [0, 1] units. */
export const studyEvalSigmas: readonly number[] = Array.from({ length: 10 }, (_, k) => 10 ** ((2.5 * k) / 9) / 255);
