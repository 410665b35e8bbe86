// Conv2DBackpropFilter for the wasm backend, which @tensorflow/tfjs-backend-wasm 4.22.0 does not register.
//
// The filter gradient of y = conv2d(x, w) with stride s and padding (top, left) is
//   dw[a, b, ci, co] = sum over n, i, j of x[n, i*s + a - top, j*s + b - left, ci] * dy[n, i, j, co],
// which is itself a stride-1 convolution with dilation s: batch = ci of x transposed to [ci, h, w, n],
// filter = dy transposed to [ho, wo, n, co]. The wasm backend's Conv2D (XNNPACK, SIMD) computes it, and
// the result [ci, fh, fw, co] is transposed to the filter layout [fh, fw, ci, co].
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composeWasmKernels, transposeMerged } from './wasm-kernel-calls';
import { assertNoDilation, NCHW_TO_NHWC } from './conv2d-geometry';

/**
 * Computes the filter gradient dw [fh, fw, inChannels, outChannels] from x [n, h, w, inChannels] and
 * dy [n, outHeight, outWidth, outChannels] (or both in NCHW when `dataFormat` is 'NCHW').
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  assertNoDilation(Conv2DBackpropFilter, attrs);

  return composeWasmKernels(backend, (run) => {
    // NCHW tensors are transposed to NHWC, the only layout of the wasm Conv2D.
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const x = channelsFirst ? transposeMerged(run, inputs.x, NCHW_TO_NHWC) : inputs.x;
    const dy = channelsFirst ? transposeMerged(run, inputs.dy, NCHW_TO_NHWC) : inputs.dy;

    const [filterHeight, filterWidth, inChannels, outChannels] = attrs.filterShape;
    const convInfo = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = convInfo;
    const { top, left } = convInfo.padInfo;

    // Rows and columns past the last window (bottom or right padding < 0 here) never reach the gradient.
    const usedHeight = Math.min(inHeight, (outHeight - 1) * strideHeight + filterHeight - top);
    const usedWidth = Math.min(inWidth, (outWidth - 1) * strideWidth + filterWidth - left);
    const croppedX =
      usedHeight < inHeight || usedWidth < inWidth
        ? run('Slice', { x }, { begin: [0, 0, 0, 0], size: [batchSize, usedHeight, usedWidth, inChannels] })
        : x;
    const bottom = (outHeight - 1) * strideHeight + filterHeight - top - usedHeight;
    const right = (outWidth - 1) * strideWidth + filterWidth - left - usedWidth;

    // dw^T[ci, a, b, co] = conv2d(x^T [ci, h, w, n], dy^T [ho, wo, n, co]) with dilation = stride.
    const xByChannel = transposeMerged(run, croppedX, [3, 1, 2, 0]);
    const dyAsFilter = transposeMerged(run, dy, [1, 2, 0, 3]);
    const gradientByChannel = run(
      'Conv2D',
      { x: xByChannel, filter: dyAsFilter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dilations: [strideHeight, strideWidth],
        dataFormat: 'NHWC',
      },
    );
    const gradient = transposeMerged(run, gradientByChannel, [1, 2, 0, 3]);
    if (gradient.shape.join() !== [filterHeight, filterWidth, inChannels, outChannels].join()) {
      throw new Error(
        `Conv2DBackpropFilter: the composed gradient has shape [${gradient.shape.join(', ')}], expected ` +
          `[${attrs.filterShape.join(', ')}]; this case is not supported on wasm, use the cpu backend.`,
      );
    }
    return gradient;
  });
}

/** Kernel registration of {@link conv2DBackpropFilterWasm} for the 'wasm' backend. */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
