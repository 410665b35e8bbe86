// Sum and Mean for the wasm backend over leading axes, e.g. over [n, height, width] of an NHWC tensor:
// the per-channel reductions of batch normalization and of the gradients of broadcast operations.
//
// The built-in wasm Sum and Mean first transpose the reduced axes to the end. For a 16x32x32x128 tensor
// that takes about 50 ms (one run on the 2-core benchmark machine under load). Two routes avoid it:
// - 'average-pool': x viewed as [a, b, d, c] (a = first reduced axis, b = second, d = the rest) is
//   average-pooled by XNNPACK over its whole b x d window to [a, c], and w[1, a] x [a, c] finishes the
//   reduction with w = b*d for a sum and 1/a for a mean. It reads x once and packs only [a, c].
// - 'matmul': w[1, 1, m] x x[1, m, c] with w = 1 or 1/m. XNNPACK packs x as the weights of the product
//   on every call, which makes it about 10x slower than 'average-pool' for x of 16x80x80x64 (31 ms
//   against 2.8 ms CPU time, bench/backend-kernel-shapes.mjs at load average 5).
// Other axes, other dtypes and full reductions run on the built-in kernels.
import { Mean, Sum, util, type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callBuiltInWasmKernel } from './built-in-wasm-kernels';
import { composeWasmKernels, type RunWasmKernel } from './wasm-kernel-calls';

/** Returns the number of leading axes that `axis` reduces when they are exactly [0, 1, ..., k - 1], else 0. */
export function leadingReducedAxes(axis: number | number[], shape: readonly number[]): number {
  const axes = [...new Set(util.parseAxisParam(axis, [...shape]))].sort((a, b) => a - b);
  const leading = axes.every((value, index) => value === index);
  return leading && axes.length < shape.length ? axes.length : 0;
}

/** Ways of reducing over leading axes on wasm. */
export type LeadingAxesReductionRoute = 'average-pool' | 'matmul';

/** Output shape of a reduction of x over its first `count` axes. */
function reducedShape(x: TensorInfo, attrs: SumAttrs, count: number): number[] {
  const keptShape = x.shape.slice(count);
  return attrs.keepDims ? [...new Array<number>(count).fill(1), ...keptShape] : keptShape;
}

/** Reduces x over its first `count` axes as w[1, 1, m] x x[1, m, c], with w = 1 for a sum and 1/m for a `mean`. */
function reduceByMatMul(run: RunWasmKernel, x: TensorInfo, attrs: SumAttrs, count: number, mean: boolean): TensorInfo {
  const reducedSize = util.sizeFromShape(x.shape.slice(0, count));
  const keptSize = util.sizeFromShape(x.shape.slice(count));
  const weights = run('Fill', {}, { shape: [1, 1, reducedSize], value: mean ? 1 / reducedSize : 1, dtype: 'float32' });
  const matrix = run('Reshape', { x }, { shape: [1, reducedSize, keptSize] });
  const reduced = run('BatchMatMul', { a: weights, b: matrix }, { transposeA: false, transposeB: false });
  return run('Reshape', { x: reduced }, { shape: reducedShape(x, attrs, count) });
}

/**
 * Reduces x over its first `count` axes by an average pooling of x as [a, b, d, c] over b x d, then
 * w[1, 1, a] x [1, a, c] with w = b*d for a sum and 1/a for a `mean`. With one reduced axis, a = 1.
 */
function reduceByAveragePool(run: RunWasmKernel, x: TensorInfo, attrs: SumAttrs, count: number, mean: boolean): TensorInfo {
  const leading = x.shape.slice(0, count);
  const keptSize = util.sizeFromShape(x.shape.slice(count));
  const [outer, rows, columns] = count === 1 ? [1, leading[0], 1] : [leading[0], leading[1], util.sizeFromShape(leading.slice(2))];

  const image = run('Reshape', { x }, { shape: [outer, rows, columns, keptSize] });
  const window = [rows, columns];
  const averages = run('AvgPool', { x: image }, { filterSize: window, strides: window, pad: 'valid' });
  const partial = run('Reshape', { x: averages }, { shape: [1, outer, keptSize] });
  const weights = run('Fill', {}, { shape: [1, 1, outer], value: mean ? 1 / outer : rows * columns, dtype: 'float32' });
  const reduced = run('BatchMatMul', { a: weights, b: partial }, { transposeA: false, transposeB: false });
  return run('Reshape', { x: reduced }, { shape: reducedShape(x, attrs, count) });
}

/** Returns the size of the window that the 'average-pool' route pools over (b*d, or m for one reduced axis). */
function poolingWindowSize(shape: readonly number[], count: number): number {
  return count === 1 ? shape[0] : util.sizeFromShape(shape.slice(1, count));
}

/**
 * Reduces float32 x over its first `count` (≥ 1, fewer than its rank) axes with `route`. Without `route`
 * it takes 'average-pool', unless that route's window would be a single element (for example x of
 * [8, 1, 1, c] over 3 axes), which XNNPACK's average pooling does not take. Benchmarks and tests call it
 * to compare the routes.
 */
export function reduceLeadingAxesByRoute(
  backend: BackendWasm,
  x: TensorInfo,
  attrs: SumAttrs,
  count: number,
  mean: boolean,
  route?: LeadingAxesReductionRoute,
): TensorInfo {
  const windowSize = poolingWindowSize(x.shape, count);
  const chosenRoute = route ?? (windowSize > 1 ? 'average-pool' : 'matmul');
  if (chosenRoute === 'average-pool' && windowSize <= 1) {
    throw new Error(
      `Leading-axes reduction: route 'average-pool' needs a pooling window of 2 or more elements, got ${windowSize} ` +
        `for shape [${x.shape.join(', ')}] over ${count} axes; use route 'matmul'.`,
    );
  }
  return composeWasmKernels(backend, (run) =>
    chosenRoute === 'average-pool' ? reduceByAveragePool(run, x, attrs, count, mean) : reduceByMatMul(run, x, attrs, count, mean),
  );
}

function reduction(kernelName: string, mean: boolean): KernelFunc {
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const count = leadingReducedAxes(attrs.axis, inputs.x.shape);
    const reducedSize = util.sizeFromShape(inputs.x.shape.slice(0, count));
    if (inputs.x.dtype !== 'float32' || count === 0 || reducedSize <= 1) {
      return callBuiltInWasmKernel(kernelName, args);
    }
    return reduceLeadingAxesByRoute(backend, inputs.x, attrs, count, mean);
  };
  return kernelFunc as unknown as KernelFunc;
}

/** Sum over leading axes by average pooling and a small matrix product; other cases use the built-in kernel. */
export const sumWasmConfig: KernelConfig = { kernelName: Sum, backendName: 'wasm', kernelFunc: reduction(Sum, false) };

/** Mean over leading axes by average pooling and a small matrix product; other cases use the built-in kernel. */
export const meanWasmConfig: KernelConfig = { kernelName: Mean, backendName: 'wasm', kernelFunc: reduction(Mean, true) };
