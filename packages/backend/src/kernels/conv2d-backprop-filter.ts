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
// - 'blocked-matmul' (stride 1, no negative padding): x padded and transposed to [ci, grid pixels], dy
//   placed on the same grid of (ho + fh - 1) x (wo + fw - 1) pixels per image. Tap (a, b) of x is then x^T
//   shifted by a*gridWidth + b grid pixels, so dw = Σ over blocks of grid pixels of A [fh*fw*ci, block] x
//   dy [block, co], with A copied from x^T row by row. Grid pixels outside dy hold zeros. The blocks keep
//   the weights that XNNPACK packs for each product small enough for the cache. The transposed
//   convolution packs the whole output gradient and reads it again for every tile of output rows.
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
export type Conv2DBackpropFilterRoute = 'transposed-convolution' | 'space-to-depth-matmul' | 'blocked-matmul';

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

/** Returns whether the 'blocked-matmul' route covers this case: stride 1 and no negative padding. */
export function hasStrideOneWindows(convInfo: ConvInfo): boolean {
  const { top, bottom, left, right } = convInfo.padInfo;
  return convInfo.strideHeight === 1 && convInfo.strideWidth === 1 && Math.min(top, bottom, left, right) >= 0;
}

/**
 * Returns whether 'blocked-matmul' is the faster route for a case it covers. It is slower when the grid
 * adds many padding pixels (8x8 images and smaller, 3x3 filter) or when the product has one output
 * column (outChannels = 1): 72 ms against 55 ms for 16x8x8x256 -> 256 and 3.4 ms against 2.1 ms for
 * 64x16x16x16 -> 1, but 339 ms against 663 ms for 16x80x80x64 -> 64 (CPU time, 3x3 'same',
 * bench/backend-kernel-shapes.mjs at load average 4.4 to 5.6).
 */
function prefersBlockedMatMul(convInfo: ConvInfo): boolean {
  const gridPixels = (convInfo.outHeight + convInfo.filterHeight - 1) * (convInfo.outWidth + convInfo.filterWidth - 1);
  return convInfo.outChannels > 1 && gridPixels <= 1.3 * convInfo.outHeight * convInfo.outWidth;
}

/** Grid pixels per block of the 'blocked-matmul' route: about 131 072 values of dy per product, 256 to 8192 pixels. */
function blockPixels(outChannels: number): number {
  return Math.min(8192, Math.max(256, Math.floor(131072 / outChannels)));
}

/** dw [fh, fw, ci, co] as a sum over blocks of grid pixels of A [fh*fw*ci, block] x dy [block, co], for stride 1. */
function blockedMatMul(run: RunWasmKernel, backend: BackendWasm, x: TensorInfo, dy: TensorInfo, convInfo: ConvInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = convInfo;
  const { top, left } = convInfo.padInfo;
  const gridHeight = outHeight + filterHeight - 1;
  const gridWidth = outWidth + filterWidth - 1;
  const gridSize = batchSize * gridHeight * gridWidth;

  // x on the grid (padding rows and columns of zeros), then transposed to [ci, grid pixels].
  const xGrid =
    gridHeight === inHeight && gridWidth === inWidth
      ? x
      : run(
          'PadV2',
          { x },
          {
            paddings: [
              [0, 0],
              [top, gridHeight - inHeight - top],
              [left, gridWidth - inWidth - left],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
  const xRows = run('Reshape', { x: xGrid }, { shape: [gridSize, inChannels] });
  const xByChannel = inChannels === 1 ? xRows : run('Transpose', { x: xRows }, { perm: [1, 0] });

  // dy at grid pixel (n, i, j), zeros in the last fh - 1 rows and fw - 1 columns of each image.
  const dyGrid =
    filterHeight === 1 && filterWidth === 1
      ? dy
      : run(
          'PadV2',
          { x: dy },
          {
            paddings: [
              [0, 0],
              [0, filterHeight - 1],
              [0, filterWidth - 1],
              [0, 0],
            ],
            constantValue: 0,
          },
        );

  // Grid pixels past `pixels` hold zeros of dy only, and reading tap (a, b) of the last used pixel stays
  // inside x^T.
  const reach = (filterHeight - 1) * gridWidth + (filterWidth - 1);
  const pixels = gridSize - reach;
  const rows = filterHeight * filterWidth * inChannels;
  const blockSize = blockPixels(outChannels);
  let sum: TensorInfo | undefined;
  for (let start = 0; start < pixels; start += blockSize) {
    const size = Math.min(blockSize, pixels - start);
    const block = backend.makeOutput([1, rows, size], 'float32');
    const dyBlock = backend.makeOutput([1, size, outChannels], 'float32');
    try {
      // Views are taken after the allocations, which can grow the wasm memory and detach older views.
      const source = backend.typedArrayFromHeap(xByChannel);
      const target = backend.typedArrayFromHeap(block);
      for (let a = 0; a < filterHeight; a++) {
        for (let b = 0; b < filterWidth; b++) {
          const shift = start + a * gridWidth + b;
          const firstRow = (a * filterWidth + b) * inChannels;
          for (let channel = 0; channel < inChannels; channel++) {
            const from = channel * gridSize + shift;
            target.set(source.subarray(from, from + size), (firstRow + channel) * size);
          }
        }
      }
      const dyValues = backend.typedArrayFromHeap(dyGrid);
      backend.typedArrayFromHeap(dyBlock).set(dyValues.subarray(start * outChannels, (start + size) * outChannels));

      const product = run('BatchMatMul', { a: block, b: dyBlock }, { transposeA: false, transposeB: false });
      sum = sum === undefined ? product : run('Add', { a: sum, b: product });
    } finally {
      // The blocks are released at once, because all of them together would hold fh*fw copies of x.
      backend.disposeData(block.dataId);
      backend.disposeData(dyBlock.dataId);
    }
  }
  if (sum === undefined) {
    throw new Error(`Conv2DBackpropFilter: route 'blocked-matmul' found no grid pixels for ${JSON.stringify(convInfo.outShape)}.`);
  }
  return run('Reshape', { x: sum }, { shape: [filterHeight, filterWidth, inChannels, outChannels] });
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

/** Returns the route that {@link conv2DBackpropFilterByRoute} takes when none is given. */
function defaultRoute(convInfo: ConvInfo): Conv2DBackpropFilterRoute {
  if (hasNonOverlappingWindows(convInfo)) {
    return 'space-to-depth-matmul';
  }
  return hasStrideOneWindows(convInfo) && prefersBlockedMatMul(convInfo) ? 'blocked-matmul' : 'transposed-convolution';
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

    const chosenRoute = route ?? defaultRoute(convInfo);
    if (chosenRoute === 'blocked-matmul' && !hasStrideOneWindows(convInfo)) {
      throw new Error(
        `Conv2DBackpropFilter: route 'blocked-matmul' needs stride 1 and no negative padding, got stride ` +
          `${convInfo.strideHeight}x${convInfo.strideWidth}, padding ${JSON.stringify(convInfo.padInfo)}; use route 'transposed-convolution'.`,
      );
    }
    if (chosenRoute === 'space-to-depth-matmul' && !hasNonOverlappingWindows(convInfo)) {
      throw new Error(
        `Conv2DBackpropFilter: route 'space-to-depth-matmul' needs filter size = stride and no top or left ` +
          `padding, got filter ${convInfo.filterHeight}x${convInfo.filterWidth}, stride ` +
          `${convInfo.strideHeight}x${convInfo.strideWidth}, padding top ${convInfo.padInfo.top} left ` +
          `${convInfo.padInfo.left}; use route 'transposed-convolution'.`,
      );
    }
    const gradient =
      chosenRoute === 'space-to-depth-matmul'
        ? spaceToDepthMatMul(run, x, dy, convInfo)
        : chosenRoute === 'blocked-matmul'
          ? blockedMatMul(run, backend, x, dy, convInfo)
          : transposedConvolution(run, x, dy, convInfo);

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
