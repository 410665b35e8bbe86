import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@gahb/backend';

/** Selects the wasm backend for a test file (the backend every gahb run uses on CPU). */
export async function useWasmBackend(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  if (tf.getBackend() !== 'wasm') {
    throw new Error(`useWasmBackend: backend is "${tf.getBackend()}" instead of "wasm".`);
  }
}
