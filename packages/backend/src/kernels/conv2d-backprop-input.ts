// Conv2DBackpropInput for the wasm backend, composed from fast wasm kernels. The built-in wasm kernel of
// @tensorflow/tfjs-backend-wasm 4.22.0 is a direct loop, about 10x slower than Conv2D on the same 3x3 case.
//
// The input gradient of y = conv2d(x, w) with stride s and padding (top, left) is
//   dx[n, y, x, ci] = sum over a, b, co of dyZeros[n, y + top - a, x + left - b, co] * w[a, b, ci, co],
// where dyZeros is dy with s - 1 zeros inserted between neighbouring rows and columns. Two routes:
// - 'flipped-convolution' (any case): a stride-1 convolution of dyZeros with the spatially flipped filter,
//   transposed to [fh, fw, outChannels, inChannels], with padding fh - 1 - top above and fw - 1 - left left.
// - 'matmul-depth-to-space' (filter size = stride, no top or left padding, the 2x2 stride-2 transposed
//   convolution of UNet upsampling): windows do not overlap, so each dy pixel times the filter matrix
//   [outChannels, fh*fw*inChannels] gives one fh x fw block of dx, which a depth-to-space rearranges.
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composeWasmKernels, transposeMerged, type MakeWasmConstant, type RunWasmKernel } from './wasm-kernel-calls';
import { assertNoDilation, NCHW_TO_NHWC, NHWC_TO_NCHW } from './conv2d-geometry';

/** Ways of computing the input gradient; 'built-in' is the kernel that tfjs-backend-wasm registers. */
export type Conv2DBackpropInputRoute = 'flipped-convolution' | 'matmul-depth-to-space' | 'built-in';

type ConvInfo = backend_util.Conv2DInfo;

/** Returns whether the 'matmul-depth-to-space' route covers this case: filter size = stride, no top or left padding. */
export function isNonOverlappingUpsampling(convInfo: ConvInfo): boolean {
  return (
    convInfo.filterHeight === convInfo.strideHeight &&
    convInfo.filterWidth === convInfo.strideWidth &&
    convInfo.padInfo.top === 0 &&
    convInfo.padInfo.left === 0
  );
}

/** Returns the NHWC convolution geometry of the forward convolution whose input gradient is requested. */
export function conv2DBackpropInputInfo(attrs: Conv2DBackpropInputAttrs, filterShape: readonly number[]): ConvInfo {
  const [n, d1, d2, d3] = attrs.inputShape;
  const inputShapeNhwc: [number, number, number, number] = attrs.dataFormat === 'NCHW' ? [n, d2, d3, d1] : [n, d1, d2, d3];
  return backend_util.computeConv2DInfo(
    inputShapeNhwc,
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Returns the filter w[a, b, ci, co] flipped and transposed to w[fh - 1 - a, fw - 1 - b, co, ci]. A Transpose
 * gives [taps, co, ci], and the product J x [taps, co*ci] with the anti-identity J reverses the fh*fw taps.
 * That is about 2x faster than the wasm Reverse kernel: 30 ms against 65 ms CPU time for [3, 3, 512, 512]
 * (bench/backend-kernel-shapes.mjs, load average 5).
 * NOTE: each product entry is 1·w + 0·(other taps), exact for finite values. An infinite filter value
 * turns the other taps of its channel pair into NaN (Inf·0). The convolution's zero padding already gives
 * NaN where the cpu backend gives Inf for such filters, so non-finite filters never matched the cpu backend.
 */
function flipFilter(run: RunWasmKernel, constant: MakeWasmConstant, filter: TensorInfo): TensorInfo {
  const [filterHeight, filterWidth, inChannels, outChannels] = filter.shape;
  const taps = filterHeight * filterWidth;
  if (taps === 1) {
    return transposeMerged(run, filter, [0, 1, 3, 2]);
  }

  const byTap = run('Reshape', { x: filter }, { shape: [taps, inChannels, outChannels] });
  const transposed = run('Transpose', { x: byTap }, { perm: [0, 2, 1] });
  const matrix = run('Reshape', { x: transposed }, { shape: [1, taps, outChannels * inChannels] });
  const antiIdentityValues = new Float32Array(taps * taps);
  for (let tap = 0; tap < taps; tap++) {
    antiIdentityValues[tap * taps + (taps - 1 - tap)] = 1;
  }
  const antiIdentity = constant(antiIdentityValues, [1, taps, taps]);
  const reversed = run('BatchMatMul', { a: antiIdentity, b: matrix }, { transposeA: false, transposeB: false });
  return run('Reshape', { x: reversed }, { shape: [filterHeight, filterWidth, outChannels, inChannels] });
}

/** dx [n, h, w, inChannels] by a stride-1 convolution of zero-interleaved dy with the flipped filter (see flipFilter). */
function flippedConvolution(run: RunWasmKernel, dy: TensorInfo, filterFlipped: TensorInfo, convInfo: ConvInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = convInfo;
  const { strideHeight, strideWidth } = convInfo;
  const { top, left } = convInfo.padInfo;

  // Insert stride - 1 zeros after every row and column of dy: [n, ho, 1, wo, 1, co] padded to [n, ho, sh, wo, sw, co].
  let dyZeros = dy;
  if (strideHeight > 1 || strideWidth > 1) {
    const dySplit = run('Reshape', { x: dy }, { shape: [batchSize, outHeight, 1, outWidth, 1, outChannels] });
    const dyPadded = run(
      'PadV2',
      { x: dySplit },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, strideHeight - 1],
          [0, 0],
          [0, strideWidth - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    dyZeros = run('Reshape', { x: dyPadded }, { shape: [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels] });
  }

  // Padding of dyZeros that makes the stride-1 convolution return h x w values; a negative value crops.
  const [zerosHeight, zerosWidth] = [dyZeros.shape[1], dyZeros.shape[2]];
  const padTop = filterHeight - 1 - top;
  const padLeft = filterWidth - 1 - left;
  const padBottom = inHeight - zerosHeight + top;
  const padRight = inWidth - zerosWidth + left;
  const cropTop = Math.max(0, -padTop);
  const cropLeft = Math.max(0, -padLeft);
  const cropBottom = Math.max(0, -padBottom);
  const cropRight = Math.max(0, -padRight);
  const dyCropped =
    cropTop + cropLeft + cropBottom + cropRight > 0
      ? run(
          'Slice',
          { x: dyZeros },
          {
            begin: [0, cropTop, cropLeft, 0],
            size: [batchSize, zerosHeight - cropTop - cropBottom, zerosWidth - cropLeft - cropRight, outChannels],
          },
        )
      : dyZeros;

  return run(
    'Conv2D',
    { x: dyCropped, filter: filterFlipped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [Math.max(0, padTop), Math.max(0, padBottom)],
        [Math.max(0, padLeft), Math.max(0, padRight)],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
}

/** dx [n, h, w, inChannels] by one matrix product per dy pixel and a depth-to-space, for filter size = stride. */
function matMulDepthToSpace(run: RunWasmKernel, dy: TensorInfo, filter: TensorInfo, convInfo: ConvInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = convInfo;

  // blocks[p, (a, b, ci)] = sum over co of dy[p, co] * w[a, b, ci, co], for each of the n*ho*wo pixels p.
  // The filter is transposed to [co, (a, b, ci)] first, because the wasm BatchMatMul with transposeB is
  // about 10x slower than without (309 ms against 33 ms for 4096x128 by 128x256, one run under load).
  const dyMatrix = run('Reshape', { x: dy }, { shape: [1, batchSize * outHeight * outWidth, outChannels] });
  const filterTransposed = transposeMerged(run, filter, [3, 0, 1, 2]);
  const filterMatrix = run('Reshape', { x: filterTransposed }, { shape: [1, outChannels, filterHeight * filterWidth * inChannels] });
  const blocks = run('BatchMatMul', { a: dyMatrix, b: filterMatrix }, { transposeA: false, transposeB: false });

  // [n*ho, wo, fh, fw*ci] -> [n*ho, fh, wo, fw*ci] places block row a at image row ho*fh + a. This
  // Transpose is the depth-to-space; the wasm DepthToSpace kernel takes about 20x longer (115 ms against 5 ms).
  const blockRows = run('Reshape', { x: blocks }, { shape: [batchSize * outHeight, outWidth, filterHeight, filterWidth * inChannels] });
  const imageRows = transposeMerged(run, blockRows, [0, 2, 1, 3]);
  const blocksHeight = outHeight * filterHeight;
  const blocksWidth = outWidth * filterWidth;
  const image = run('Reshape', { x: imageRows }, { shape: [batchSize, blocksHeight, blocksWidth, inChannels] });

  // Input rows and columns past the last window get no gradient; blocks past the input (bottom padding) are cut.
  if (blocksHeight === inHeight && blocksWidth === inWidth) {
    return image;
  }
  const keptHeight = Math.min(blocksHeight, inHeight);
  const keptWidth = Math.min(blocksWidth, inWidth);
  const kept =
    keptHeight < blocksHeight || keptWidth < blocksWidth
      ? run('Slice', { x: image }, { begin: [0, 0, 0, 0], size: [batchSize, keptHeight, keptWidth, inChannels] })
      : image;
  return run(
    'PadV2',
    { x: kept },
    {
      paddings: [
        [0, 0],
        [0, inHeight - keptHeight],
        [0, inWidth - keptWidth],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
}

/**
 * Computes the input gradient dx (shape `attrs.inputShape`) from dy [n, outHeight, outWidth, outChannels]
 * and filter [fh, fw, inChannels, outChannels]. It takes `route`, or the faster route for the case when
 * `route` is undefined. NCHW tensors are transposed to NHWC and back.
 */
export function conv2DBackpropInputByRoute(
  args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropInputAttrs },
  route?: Exclude<Conv2DBackpropInputRoute, 'built-in'>,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  assertNoDilation(Conv2DBackpropInput, attrs);
  const convInfo = conv2DBackpropInputInfo(attrs, inputs.filter.shape);
  const chosenRoute = route ?? (isNonOverlappingUpsampling(convInfo) ? 'matmul-depth-to-space' : 'flipped-convolution');
  if (chosenRoute === 'matmul-depth-to-space' && !isNonOverlappingUpsampling(convInfo)) {
    throw new Error(
      `Conv2DBackpropInput: route 'matmul-depth-to-space' needs filter size = stride and no top or left ` +
        `padding, got filter ${convInfo.filterHeight}x${convInfo.filterWidth}, stride ` +
        `${convInfo.strideHeight}x${convInfo.strideWidth}, padding top ${convInfo.padInfo.top} left ` +
        `${convInfo.padInfo.left}; use route 'flipped-convolution'.`,
    );
  }

  return composeWasmKernels(backend, (run, constant) => {
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const dy = channelsFirst ? transposeMerged(run, inputs.dy, NCHW_TO_NHWC) : inputs.dy;
    const dx =
      chosenRoute === 'matmul-depth-to-space'
        ? matMulDepthToSpace(run, dy, inputs.filter, convInfo)
        : flippedConvolution(run, dy, flipFilter(run, constant, inputs.filter), convInfo);
    return channelsFirst ? transposeMerged(run, dx, NHWC_TO_NCHW) : dx;
  });
}

/** Kernel function of the registered Conv2DBackpropInput: the faster composed route for each case. */
export function conv2DBackpropInputWasm(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  return conv2DBackpropInputByRoute(args);
}

/** Kernel registration of {@link conv2DBackpropInputWasm} for the 'wasm' backend. */
export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
