// Conv2DBackpropFilter for the wasm backend, which @tensorflow/tfjs-backend-wasm 4.22.0 does not register.
//
// The filter gradient of y = conv2d(x, w) with stride s and padding (top, left) is
//   dw[a, b, ci, co] = sum over n, i, j of x[n, i*s + a - top, j*s + b - left, ci] * dy[n, i, j, co].
// Two routes compute it with the wasm backend's XNNPACK kernels (SIMD):
// - 'transposed-convolution' (any case): a stride-1 convolution with dilation s whose batch is the input
//   channel: x transposed to [ci, h, w, n] convolved with dy transposed to [ho, wo, n, co] gives
//   [ci, fh, fw, co], which is transposed to the filter layout [fh, fw, ci, co].
// - 'space-to-depth-matmul' (filter size = stride, no top or left padding, e.g. the 2x2 stride-2
//   convolutions of a UNet): windows do not overlap, so with x rearranged to rows (a, b, ci) and columns
//   (n, i, j), dw = x' [fh*fw*ci, n*ho*wo] x dy [n*ho*wo, co] is one matrix product.
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composeWasmKernels, transposeMerged, type RunWasmKernel } from './wasm-kernel-calls';
import { assertNoDilation, NCHW_TO_NHWC } from './conv2d-geometry';

/** Ways of computing the filter gradient on wasm. */
export type Conv2DBackpropFilterRoute = 'transposed-convolution' | 'space-to-depth-matmul';

type ConvInfo = backend_util.Conv2DInfo;

/** Returns whether the 'space-to-depth-matmul' route covers this case: filter size = stride, no top or left padding. */
export function hasNonOverlappingWindows(convInfo: ConvInfo): boolean {
  return (
    convInfo.filterHeight === convInfo.strideHeight &&
    convInfo.filterWidth === convInfo.strideWidth &&
    convInfo.padInfo.top === 0 &&
    convInfo.padInfo.left === 0
  );
}

/** dw [fh, fw, ci, co] by a dilated convolution of x^T [ci, h, w, n] with dy^T [ho, wo, n, co]. */
function transposedConvolution(run: RunWasmKernel, x: TensorInfo, dy: TensorInfo, convInfo: ConvInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = convInfo;
  const { strideHeight, strideWidth } = convInfo;
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
  return transposeMerged(run, gradientByChannel, [1, 2, 0, 3]);
}

/** dw [fh, fw, ci, co] as x' [fh*fw*ci, n*ho*wo] x dy [n*ho*wo, co], for filter size = stride. */
function spaceToDepthMatMul(run: RunWasmKernel, x: TensorInfo, dy: TensorInfo, convInfo: ConvInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = convInfo;

  // x covering exactly the ho x wo windows: rows past the last window are cut, bottom padding is added.
  const blocksHeight = outHeight * filterHeight;
  const blocksWidth = outWidth * filterWidth;
  const keptHeight = Math.min(blocksHeight, inHeight);
  const keptWidth = Math.min(blocksWidth, inWidth);
  const keptX =
    keptHeight < inHeight || keptWidth < inWidth
      ? run('Slice', { x }, { begin: [0, 0, 0, 0], size: [batchSize, keptHeight, keptWidth, inChannels] })
      : x;
  const blocksX =
    keptHeight < blocksHeight || keptWidth < blocksWidth
      ? run(
          'PadV2',
          { x: keptX },
          {
            paddings: [
              [0, 0],
              [0, blocksHeight - keptHeight],
              [0, blocksWidth - keptWidth],
              [0, 0],
            ],
            constantValue: 0,
          },
        )
      : keptX;

  // [n*ho, a, wo, (b, ci)] -> [a, (b, ci), n*ho, wo]: rows (a, b, ci) and columns (n, i, j) of x'.
  const pixelRows = run('Reshape', { x: blocksX }, { shape: [batchSize * outHeight, filterHeight, outWidth, filterWidth * inChannels] });
  const windowColumns = transposeMerged(run, pixelRows, [1, 3, 0, 2]);
  const pixelCount = batchSize * outHeight * outWidth;
  const xMatrix = run('Reshape', { x: windowColumns }, { shape: [1, filterHeight * filterWidth * inChannels, pixelCount] });
  const dyMatrix = run('Reshape', { x: dy }, { shape: [1, pixelCount, outChannels] });
  const gradient = run('BatchMatMul', { a: xMatrix, b: dyMatrix }, { transposeA: false, transposeB: false });
  return run('Reshape', { x: gradient }, { shape: [filterHeight, filterWidth, inChannels, outChannels] });
}

/**
 * Computes the filter gradient dw [fh, fw, inChannels, outChannels] from x [n, h, w, inChannels] and
 * dy [n, outHeight, outWidth, outChannels], both NCHW when `dataFormat` is 'NCHW'. It takes `route`, or
 * the faster route for the case when `route` is undefined.
 */
export function conv2DBackpropFilterByRoute(
  args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs },
  route?: Conv2DBackpropFilterRoute,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  assertNoDilation(Conv2DBackpropFilter, attrs);

  return composeWasmKernels(backend, (run) => {
    // NCHW tensors are transposed to NHWC, the only layout of the wasm Conv2D.
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const x = channelsFirst ? transposeMerged(run, inputs.x, NCHW_TO_NHWC) : inputs.x;
    const dy = channelsFirst ? transposeMerged(run, inputs.dy, NCHW_TO_NHWC) : inputs.dy;
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

    const chosenRoute = route ?? (hasNonOverlappingWindows(convInfo) ? 'space-to-depth-matmul' : 'transposed-convolution');
    if (chosenRoute === 'space-to-depth-matmul' && !hasNonOverlappingWindows(convInfo)) {
      throw new Error(
        `Conv2DBackpropFilter: route 'space-to-depth-matmul' needs filter size = stride and no top or left ` +
          `padding, got filter ${convInfo.filterHeight}x${convInfo.filterWidth}, stride ` +
          `${convInfo.strideHeight}x${convInfo.strideWidth}, padding top ${convInfo.padInfo.top} left ` +
          `${convInfo.padInfo.left}; use route 'transposed-convolution'.`,
      );
    }
    const gradient =
      chosenRoute === 'space-to-depth-matmul' ? spaceToDepthMatMul(run, x, dy, convInfo) : transposedConvolution(run, x, dy, convInfo);

    if (gradient.shape.join() !== attrs.filterShape.join()) {
      throw new Error(
        `Conv2DBackpropFilter: the composed gradient has shape [${gradient.shape.join(', ')}], expected ` +
          `[${attrs.filterShape.join(', ')}]; this case is not supported on wasm, use the cpu backend.`,
      );
    }
    return gradient;
  });
}

/** Kernel function of the registered Conv2DBackpropFilter: the faster composed route for each case. */
export function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  return conv2DBackpropFilterByRoute(args);
}

/** Kernel registration of {@link conv2DBackpropFilterWasm} for the 'wasm' backend. */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
