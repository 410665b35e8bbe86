import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** 'auto' (default) or a registered backend name ('tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'). */
  backend?: string;
}

/** The backend that {@link initBackend} selected. */
export interface BackendChoice {
  name: string;
  reason: string;
  tfjsVersion: string;
}

// TODO: replaced by the backend registry (tfjs-node-gpu, tfjs-node, wasm, cpu) with wasm training kernels.
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const requested = options.backend ?? 'auto';
  await import('@tensorflow/tfjs-backend-cpu');
  const name = requested === 'auto' ? 'cpu' : requested;
  await tf.setBackend(name);
  return { name, reason: 'placeholder', tfjsVersion: tf.version_core };
}
