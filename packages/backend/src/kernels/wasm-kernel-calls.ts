// Calls of the wasm backend's own registered kernels from inside a composed kernel.
//
// A composed kernel (for example the filter gradient built from Transpose and Conv2D) calls the kernel
// functions that @tensorflow/tfjs-backend-wasm registered directly, outside the engine. So the steps do
// not appear as separate kernels on the gradient tape or in tf.profile. Every intermediate result is
// released when the composition ends, and only the result that the composed kernel returns stays allocated.
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Runs one registered wasm kernel and records its output as an intermediate result. */
export type RunWasmKernel = (kernelName: string, inputs: NamedTensorInfoMap, attrs?: NamedAttrMap) => TensorInfo;

/** Writes a float32 constant tensor on the wasm backend and records it as an intermediate result. */
export type MakeWasmConstant = (values: Float32Array, shape: number[]) => TensorInfo;

/**
 * Calls `compose` with a function that runs registered wasm kernels and one that writes constants, and
 * disposes every output of those functions except the TensorInfo that `compose` returns. Outputs are also
 * disposed when `compose` throws.
 */
export function composeWasmKernels(backend: BackendWasm, compose: (run: RunWasmKernel, constant: MakeWasmConstant) => TensorInfo): TensorInfo {
  const intermediates: TensorInfo[] = [];

  const constant: MakeWasmConstant = (values, shape) => {
    const output = backend.makeOutput(shape, 'float32', undefined, values);
    intermediates.push(output);
    return output;
  };

  const run: RunWasmKernel = (kernelName, inputs, attrs = {}) => {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel === undefined) {
      throw new Error(`The wasm kernel "${kernelName}" is not registered: import '@tensorflow/tfjs-backend-wasm' first.`);
    }
    const output = kernel.kernelFunc({ inputs, attrs, backend });
    if (Array.isArray(output)) {
      throw new Error(`The wasm kernel "${kernelName}" returned ${output.length} outputs; a composed kernel expects one.`);
    }
    intermediates.push(output);
    return output;
  };

  let result: TensorInfo | undefined;
  try {
    result = compose(run, constant);
    return result;
  } finally {
    // Reshape returns the input's dataId with its reference count raised, so each output is released once.
    for (const intermediate of intermediates) {
      if (intermediate !== result) {
        backend.disposeData(intermediate.dataId);
      }
    }
  }
}

/**
 * Transposes `x` by `perm` after merging the axes that stay next to each other, e.g. [n, h, w, c] by
 * [3, 1, 2, 0] as [n, h*w, c] by [2, 1, 0]. The wasm Transpose does not merge them itself, and its rank-4
 * loop is about twice as slow as the rank-3 one on the same data (43 ms against 20 ms for 16x32x32x64).
 */
export function transposeMerged(run: RunWasmKernel, x: TensorInfo, perm: readonly number[]): TensorInfo {
  // Groups of input axes in output order; each group is a run of consecutive axes.
  const groups: number[][] = [];
  for (const axis of perm) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1] + 1 === axis) {
      last.push(axis);
    } else {
      groups.push([axis]);
    }
  }
  if (groups.length === perm.length) {
    return run('Transpose', { x }, { perm: [...perm] });
  }

  const groupsInInputOrder = [...groups].sort((a, b) => a[0] - b[0]);
  const mergedShape = groupsInInputOrder.map((group) => group.reduce((size, axis) => size * x.shape[axis], 1));
  const mergedPerm = groups.map((group) => groupsInInputOrder.indexOf(group));
  const merged = run('Reshape', { x }, { shape: mergedShape });
  const transposed = groups.length === 1 ? merged : run('Transpose', { x: merged }, { perm: mergedPerm });
  return run('Reshape', { x: transposed }, { shape: perm.map((axis) => x.shape[axis]) });
}
