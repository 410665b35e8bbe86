// Sum and Mean for the wasm backend over leading axes, e.g. over [n, height, width] of an NHWC tensor:
// the per-channel reductions of batch normalization and of the gradients of broadcast operations.
//
// The built-in wasm Sum and Mean first transpose the reduced axes to the end. For a 16x32x32x128 tensor
// that takes about 50 ms, while a matrix product ones[1, m] x x[m, c] (XNNPACK, SIMD) takes under 1 ms
// (one run each on the 2-core benchmark machine under load).
// Other axes, other dtypes and full reductions run on the built-in kernels.
import { Mean, Sum, util, type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callBuiltInWasmKernel } from './built-in-wasm-kernels';
import { composeWasmKernels } from './wasm-kernel-calls';

/** Returns the number of leading axes that `axis` reduces when they are exactly [0, 1, ..., k - 1], else 0. */
export function leadingReducedAxes(axis: number | number[], shape: readonly number[]): number {
  const axes = [...new Set(util.parseAxisParam(axis, [...shape]))].sort((a, b) => a - b);
  const leading = axes.every((value, index) => value === index);
  return leading && axes.length < shape.length ? axes.length : 0;
}

/** Reduces x over its first `count` axes as w[1, 1, m] x x[1, m, c], with w = 1 for a sum and 1/m for a `mean`. */
function reduceLeadingAxes(backend: BackendWasm, x: TensorInfo, attrs: SumAttrs, count: number, mean: boolean): TensorInfo {
  const reducedSize = util.sizeFromShape(x.shape.slice(0, count));
  const keptShape = x.shape.slice(count);
  const keptSize = util.sizeFromShape(keptShape);
  const outShape = attrs.keepDims ? [...new Array<number>(count).fill(1), ...keptShape] : keptShape;

  return composeWasmKernels(backend, (run) => {
    const weights = run('Fill', {}, { shape: [1, 1, reducedSize], value: mean ? 1 / reducedSize : 1, dtype: 'float32' });
    const matrix = run('Reshape', { x }, { shape: [1, reducedSize, keptSize] });
    const reduced = run('BatchMatMul', { a: weights, b: matrix }, { transposeA: false, transposeB: false });
    return run('Reshape', { x: reduced }, { shape: outShape });
  });
}

function reduction(kernelName: string, mean: boolean): KernelFunc {
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const count = leadingReducedAxes(attrs.axis, inputs.x.shape);
    const reducedSize = util.sizeFromShape(inputs.x.shape.slice(0, count));
    if (inputs.x.dtype !== 'float32' || count === 0 || reducedSize <= 1) {
      return callBuiltInWasmKernel(kernelName, args);
    }
    return reduceLeadingAxes(backend, inputs.x, attrs, count, mean);
  };
  return kernelFunc as unknown as KernelFunc;
}

/** Sum over leading axes by a matrix product; other cases use the built-in kernel. */
export const sumWasmConfig: KernelConfig = { kernelName: Sum, backendName: 'wasm', kernelFunc: reduction(Sum, false) };

/** Mean over leading axes by a matrix product with weights 1/m; other cases use the built-in kernel. */
export const meanWasmConfig: KernelConfig = { kernelName: Mean, backendName: 'wasm', kernelFunc: reduction(Mean, true) };
