// The kernels that tfjs-backend-wasm registered before gahb replaced them, kept so that gahb's kernels can
// fall back to them for cases they do not cover, and so that benchmarks and tests can compare against them.
import { engine, getKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const builtInKernels = new Map<string, KernelConfig>();

/** Keeps `config` as the built-in kernel of its name; the first kernel kept for a name stays. */
export function keepBuiltInWasmKernel(config: KernelConfig): void {
  if (!builtInKernels.has(config.kernelName)) {
    builtInKernels.set(config.kernelName, config);
  }
}

/** Returns the kept built-in kernel `kernelName`, else the kernel registered for 'wasm' under that name. */
export function builtInWasmKernel(kernelName: string): KernelConfig {
  const kernel = builtInKernels.get(kernelName) ?? getKernel(kernelName, 'wasm');
  if (kernel === undefined) {
    throw new Error(`tfjs-backend-wasm registers no kernel "${kernelName}".`);
  }
  return kernel;
}

/** Runs the built-in wasm kernel `kernelName` on `backend` (the fallback of a replaced kernel). */
export function callBuiltInWasmKernel(
  kernelName: string,
  args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: object },
): TensorInfo {
  const kernelFunc = builtInWasmKernel(kernelName).kernelFunc as KernelFunc;
  return kernelFunc({ inputs: args.inputs, backend: args.backend, attrs: args.attrs as NamedAttrMap }) as TensorInfo;
}

/**
 * Runs the kernel that tfjs-backend-wasm registered under `kernelName` before gahb replaced it, on the
 * initialized wasm backend. Used by benchmarks and tests to compare against the built-in kernel.
 */
export function runBuiltInWasmKernel(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const backend = engine().findBackend('wasm') as BackendWasm | null;
  if (backend === null) {
    throw new Error(`runBuiltInWasmKernel: the wasm backend is not initialized; call initBackend({ backend: 'wasm' }) first.`);
  }
  return callBuiltInWasmKernel(kernelName, { inputs, backend, attrs });
}
