// Shared layout constants and attribute checks of the composed convolution gradient kernels.
import type { NamedAttrMap } from '@tensorflow/tfjs-core';

/** Transpose permutation from [n, channels, height, width] to [n, height, width, channels]. */
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Transpose permutation from [n, height, width, channels] to [n, channels, height, width]. */
export const NHWC_TO_NCHW = [0, 3, 1, 2];

/**
 * Raises an error when a caller passes dilations > 1 to a convolution gradient kernel. TensorFlow.js 4.22
 * defines no dilations attribute for Conv2DBackpropFilter and Conv2DBackpropInput (the Conv2D gradient
 * rejects dilated convolutions), so only a direct runKernel call can pass one.
 */
export function assertNoDilation(kernelName: string, attrs: object): void {
  const dilations = (attrs as NamedAttrMap)['dilations'];
  if (dilations === undefined || dilations === null) {
    return;
  }
  const values = Array.isArray(dilations) ? dilations : [dilations];
  if (values.some((value) => value !== 1)) {
    throw new Error(
      `${kernelName}: dilations ${JSON.stringify(dilations)} are not supported by the wasm training kernels; ` +
        'use dilations 1 or the cpu backend.',
    );
  }
}
