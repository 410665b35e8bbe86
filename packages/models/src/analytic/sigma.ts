import * as tf from '@tensorflow/tfjs-core';

/**
 * Resolves the noise level of a denoise call into a column of per-image values [n, 1]: the call's
 * `sigma` (one value or one per image) overrides the denoiser's default. `owner` names the denoiser in
 * errors. The caller disposes the returned tensor.
 */
export function sigmaColumn(
  owner: string,
  n: number,
  callSigma: number | readonly number[] | undefined,
  defaultSigma: number | undefined,
): tf.Tensor2D {
  const sigma = callSigma ?? defaultSigma;
  if (sigma === undefined) {
    throw new Error(`${owner}: sigma is missing; pass { sigma } to denoise() or to the constructor.`);
  }
  const values = typeof sigma === 'number' ? new Array<number>(n).fill(sigma) : [...sigma];
  if (values.length !== n) {
    throw new Error(`${owner}: ${values.length} sigma values for ${n} images; pass one value or one per image.`);
  }
  for (const value of values) {
    assertSigma(owner, value);
  }
  return tf.tensor2d(values, [n, 1], 'float32');
}

/** Throws unless `sigma` is a finite noise level > 0. */
export function assertSigma(owner: string, sigma: number): void {
  if (!Number.isFinite(sigma) || sigma <= 0) {
    throw new Error(`${owner}: sigma ${sigma} is invalid: use a finite value > 0 (pixel units of [0, 1] images).`);
  }
}
