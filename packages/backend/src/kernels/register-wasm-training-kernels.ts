// Registration of gahb's training kernels for the TensorFlow.js wasm backend.
//
// A kernel that tfjs-backend-wasm already registers (Conv2DBackpropInput, Sum, Mean) is unregistered
// first and kept, so its setup function still runs (see setupFunc below) and gahb's kernel can fall back to it.
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { keepBuiltInWasmKernel } from './built-in-wasm-kernels';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input';
import { meanWasmConfig, sumWasmConfig } from './leading-axes-reduction';

/** The kernels that {@link registerWasmTrainingKernels} registers for 'wasm'. */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
  sumWasmConfig,
  meanWasmConfig,
];

let registered = false;

/**
 * Registers gahb's training kernels for the 'wasm' backend, replacing the built-in kernels of the same
 * name. Calling it again does nothing. Works before or after `tf.setBackend('wasm')`.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) {
    return;
  }

  for (const config of WASM_TRAINING_KERNELS) {
    const builtIn = getKernel(config.kernelName, 'wasm');
    if (builtIn !== undefined) {
      keepBuiltInWasmKernel(builtIn);
      unregisterKernel(config.kernelName, 'wasm');
    }
    // The built-in kernel's setup (cwrap of its wasm function) must still run when the backend starts.
    const setupFunc = builtIn?.setupFunc;
    registerKernel(setupFunc === undefined ? config : { ...config, setupFunc });
  }
  registered = true;
}

/** Returns whether {@link registerWasmTrainingKernels} has run in this process. */
export function wasmTrainingKernelsRegistered(): boolean {
  return registered;
}
