// The registry of TensorFlow.js backends that initBackend chooses from, with gahb's four built-in entries.
// A native or multi-threaded backend plugs in later by registering another entry.
import * as tf from '@tensorflow/tfjs-core';
// Dependencies of @gahb/backend, loaded with it: importing them registers the 'cpu' and 'wasm' backends.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Registry } from '@gahb/core';
import { registerWasmTrainingKernels } from './kernels/register-wasm-training-kernels';

/** Search paths of a backend entry's npm package. */
export interface BackendLoadContext {
  /** Folders whose node_modules (and their parents') are searched, in order, as `require.resolve` paths. */
  resolvePaths: readonly string[];
}

/** Outcome of {@link BackendEntry.load}: the backend is ready to set, or the reason it is not available. */
export type BackendLoadResult = { available: true; detail?: string } | { available: false; reason: string };

/** One backend that initBackend can select. */
export interface BackendEntry {
  /** gahb name, used by `initBackend({ backend })`, `GAHB_BACKEND` and `--backend`. */
  readonly name: string;
  /** Order of 'auto': the available entry with the highest priority wins. */
  readonly priority: number;
  /** Name of the TensorFlow.js backend that `tf.setBackend` receives once `load` succeeded. */
  readonly tfjsBackendName: string;
  /** npm package that provides the backend, for the "not installed" message and its install command. */
  readonly packageName: string;
  /**
   * Loads the package (which registers the TensorFlow.js backend) and anything the backend needs. A
   * package that is not installed is the result `{ available: false }`, not an exception.
   */
  load(context: BackendLoadContext): Promise<BackendLoadResult>;
}

/** Backends known to initBackend. Third-party packages add entries with `backendRegistry.register(name, entry)`. */
export const backendRegistry = new Registry<BackendEntry>('backend');

/**
 * Resolves `packageName` from `paths` and loads it with require. Returns the "not installed" result when
 * the package cannot be resolved; errors thrown while the package loads propagate.
 */
export function requireOptionalPackage(packageName: string, paths: readonly string[]): BackendLoadResult {
  let resolved: string;
  try {
    resolved = require.resolve(packageName, { paths: [...paths] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      return { available: false, reason: `${packageName} is not installed` };
    }
    throw error;
  }
  require(resolved);
  return { available: true };
}

/** Creates the entry of a TensorFlow.js native backend from an optional peer package (tfjs-node, tfjs-node-gpu). */
function nativeBackendEntry(name: string, priority: number, packageName: string): BackendEntry {
  return {
    name,
    priority,
    tfjsBackendName: 'tensorflow',
    packageName,
    async load(context) {
      return requireOptionalPackage(packageName, context.resolvePaths);
    },
  };
}

const wasmEntry: BackendEntry = {
  name: 'wasm',
  priority: 100,
  tfjsBackendName: 'wasm',
  packageName: '@tensorflow/tfjs-backend-wasm',
  async load() {
    registerWasmTrainingKernels();
    // NOTE: tfjs-backend-wasm 4.22.0 reports no thread support in Node, so it runs on one core.
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return { available: true, detail: `${simd ? 'SIMD' : 'no SIMD'}, 1 thread, gahb training kernels` };
  },
};

const cpuEntry: BackendEntry = {
  name: 'cpu',
  priority: 0,
  tfjsBackendName: 'cpu',
  packageName: '@tensorflow/tfjs-backend-cpu',
  async load() {
    return { available: true, detail: 'plain JavaScript reference kernels' };
  },
};

backendRegistry.register('tensorflow-gpu', nativeBackendEntry('tensorflow-gpu', 300, '@tensorflow/tfjs-node-gpu'));
backendRegistry.register('tensorflow', nativeBackendEntry('tensorflow', 200, '@tensorflow/tfjs-node'));
backendRegistry.register('wasm', wasmEntry);
backendRegistry.register('cpu', cpuEntry);
