import type { Tensor4D } from '@tensorflow/tfjs-core';

/** Options of one {@link Denoiser.denoise} call. */
export interface DenoiseOptions {
  /**
   * Noise standard deviation of `noisy` in pixel units of [0, 1] images: one value for the batch or one per
   * image. Blind denoisers (the trained networks) ignore it; analytic denoisers such as the exact MMSE
   * denoiser of a finite set need it. Samplers pass their current estimate of the effective noise level.
   */
  sigma?: number | readonly number[];
}

/**
 * Anything that estimates clean images from noisy ones: trained networks, imported PyTorch networks,
 * analytic denoisers or a user's own. Samplers, metrics and the Jacobian analysis accept any Denoiser.
 */
export interface Denoiser {
  /** Short description for logs and reports, e.g. "bf-unet (N = 100, S1)". */
  readonly name: string;

  /**
   * Returns the estimate x̂(y) of the clean images, shape [n, height, width, channels] like `noisy`.
   * Networks that predict the noise implement it as `noisy − network(noisy)`. The caller owns the returned
   * tensor and disposes it; `noisy` is not disposed. Must be differentiable with tf.grad when the
   * Jacobian analysis is to run on it.
   */
  denoise(noisy: Tensor4D, options?: DenoiseOptions): Tensor4D;
}
