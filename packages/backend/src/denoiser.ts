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

  /**
   * Optional: returns the Jacobian A(y) = ∂x̂/∂y at the single image `image` ([1, height, width, channels]) as a
   * linear map, so that A(y)v costs one forward pass of a batch of directions v instead of a forward and a
   * backward pass. Networks of ReLU, convolutions and other linear layers implement it by fixing each ReLU's
   * on/off pattern at y. The Jacobian analysis uses it when present and vector-Jacobian products otherwise.
   */
  linearize?(image: Tensor4D, options?: DenoiseOptions): LinearizedDenoiser;

  /**
   * Optional: how another thread builds the same denoiser, so that work such as the Jacobian can be shared
   * among worker threads. It is called when the work starts, so the recipe contains the denoiser's current state.
   */
  workerRecipe?(): DenoiserRecipe;
}

/**
 * Recipe from which a worker thread rebuilds a denoiser. The worker loads `module` (a package name resolvable
 * from the gahb packages, or an absolute path) and awaits `module[exportName](argument)`, which returns the
 * Denoiser. `argument` crosses threads by structured cloning (plain objects, arrays, typed arrays).
 */
export interface DenoiserRecipe {
  module: string;
  exportName: string;
  argument: unknown;
}

/** The Jacobian A(y) of a denoiser at one image y, as a linear map on batches of directions. */
export interface LinearizedDenoiser {
  /**
   * Returns A(y)v for each direction v of `directions` ([n, height, width, channels], the shape of y with any
   * n). The caller owns the returned tensor; `directions` is not disposed.
   */
  apply(directions: Tensor4D): Tensor4D;
  /**
   * Optional: A(y)v for directions that are zero outside one rectangle of pixels. `directions` [n, h, w,
   * channels] contains that rectangle, whose top-left pixel is (top, left) in the image. The result is
   * [n, height, width, channels] as from `apply`. A network can then skip the zeros, because the columns of
   * A(y) come from one-hot directions, whose responses in the first layers stay near the pixel.
   */
  applyLocal?(directions: Tensor4D, top: number, left: number): Tensor4D;
  /** Releases the tensors held for y (the ReLU patterns). */
  dispose(): void;
}
