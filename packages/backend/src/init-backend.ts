// Selection and initialization of the TensorFlow.js backend that gahb computes on.
import * as tf from '@tensorflow/tfjs-core';
import './register-gradients';
import { createLogger, type Logger } from '@gahb/core';
import { backendRegistry, type BackendEntry, type BackendLoadResult } from './backend-registry';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * 'auto' or a registered backend name ('tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'). Default: the
   * `GAHB_BACKEND` environment variable, else 'auto', which takes the available backend of highest priority.
   */
  backend?: string;
  /**
   * Folder of the project whose node_modules provide the optional backend packages (@tensorflow/tfjs-node,
   * @tensorflow/tfjs-node-gpu). Default: the current working folder, then the folder of @gahb/backend.
   */
  resolveFrom?: string;
  /** Logger of the choice (info) and of backends skipped after an error (warn); default: the 'backend' logger. */
  logger?: Logger;
}

/** The backend that {@link initBackend} selected. */
export interface BackendChoice {
  /** gahb backend name, e.g. 'wasm'. */
  name: string;
  /** Reason for the choice, e.g. "wasm: @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node are not installed". */
  reason: string;
  /** Version of @tensorflow/tfjs-core. */
  tfjsVersion: string;
  /** Name of the active TensorFlow.js backend (`tf.getBackend()`). */
  tfjsBackend: string;
}

let current: { requestKey: string; choice: BackendChoice } | undefined;

/**
 * Selects, loads and activates a TensorFlow.js backend and returns the choice. With 'auto' the registered
 * backends are tried by priority (tensorflow-gpu, tensorflow, wasm, cpu for the built-in entries). A
 * backend requested by name that is not installed raises an error with its install command. A second call
 * with the same options returns the current choice without loading anything.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const requested = options.backend ?? process.env['GAHB_BACKEND'] ?? 'auto';
  const resolvePaths = options.resolveFrom !== undefined ? [options.resolveFrom] : [process.cwd(), __dirname];
  const requestKey = JSON.stringify([requested, resolvePaths]);
  if (current !== undefined && current.requestKey === requestKey && tf.getBackend() === current.choice.tfjsBackend) {
    return current.choice;
  }

  const logger = options.logger ?? createLogger('backend');
  const choice = requested === 'auto' ? await initFirstAvailable(resolvePaths, logger) : await initNamed(requested, resolvePaths);
  logger.info({ backend: choice.name, tfjsBackend: choice.tfjsBackend, tfjsVersion: choice.tfjsVersion }, `Backend ${choice.reason}`);
  current = { requestKey, choice };
  return choice;
}

async function initNamed(name: string, resolvePaths: readonly string[]): Promise<BackendChoice> {
  const entry = backendRegistry.get(name);
  const result = await entry.load({ resolvePaths });
  if (!result.available) {
    throw new Error(`Backend "${name}" is not available: ${result.reason}. ${installHint(entry)}`);
  }
  const detail = result.detail !== undefined ? ` (${result.detail})` : '';
  return activate(entry, `requested by name${detail}`);
}

async function initFirstAvailable(resolvePaths: readonly string[], logger: Logger): Promise<BackendChoice> {
  const entries = backendRegistry
    .list()
    .map(([, entry]) => entry)
    .sort((a, b) => b.priority - a.priority);

  // A backend that is not installed is skipped silently; one that fails to load or start is skipped with a warning.
  const skipped: Array<{ entry: BackendEntry; reason: string; installed: boolean }> = [];
  for (const entry of entries) {
    let result: BackendLoadResult;
    try {
      result = await entry.load({ resolvePaths });
    } catch (error) {
      const reason = `${entry.packageName} failed to load (${(error as Error).message})`;
      logger.warn({ backend: entry.name, err: error }, `Backend ${entry.name} skipped: ${reason}`);
      skipped.push({ entry, reason, installed: true });
      continue;
    }
    if (!result.available) {
      skipped.push({ entry, reason: result.reason, installed: false });
      continue;
    }

    const detail = result.detail !== undefined ? ` (${result.detail})` : '';
    try {
      return await activate(entry, `${describeSkipped(skipped)}${detail}`);
    } catch (error) {
      const reason = `${entry.name} failed to initialize (${(error as Error).message})`;
      logger.warn({ backend: entry.name, err: error }, `Backend ${entry.name} skipped: ${reason}`);
      skipped.push({ entry, reason, installed: true });
    }
  }
  throw new Error(
    `No TensorFlow.js backend could be loaded: ${describeSkipped(skipped)}. Reinstall @gahb/backend, whose ` +
      'dependencies provide the wasm and cpu backends.',
  );
}

/** "X and Y are not installed" when every skipped backend is missing, else each reason in turn. */
function describeSkipped(skipped: ReadonlyArray<{ entry: BackendEntry; reason: string; installed: boolean }>): string {
  if (skipped.length === 0) {
    return 'highest-priority backend';
  }
  if (skipped.every((item) => !item.installed)) {
    const names = skipped.map((item) => item.entry.packageName);
    return `${joinNames(names)} ${names.length === 1 ? 'is' : 'are'} not installed`;
  }
  return skipped.map((item) => item.reason).join('; ');
}

async function activate(entry: BackendEntry, reason: string): Promise<BackendChoice> {
  // tf.setBackend returns false, after logging the cause as a warning, when the backend fails to start.
  const activated = await tf.setBackend(entry.tfjsBackendName);
  if (!activated) {
    throw new Error(
      `Backend "${entry.name}" failed to initialize (TensorFlow.js backend "${entry.tfjsBackendName}"); ` +
        'see the TensorFlow.js warning above, or choose another backend with --backend or GAHB_BACKEND.',
    );
  }
  await tf.ready();
  return { name: entry.name, reason: `${entry.name}: ${reason}`, tfjsVersion: tf.version_core, tfjsBackend: tf.getBackend() };
}

/** TensorFlow.js packages must match the version of tfjs-core; other packages are installed at their latest version. */
function installHint(entry: BackendEntry): string {
  const version = entry.packageName.startsWith('@tensorflow/') ? `@${tf.version_core}` : '';
  return `Install it with: npm install ${entry.packageName}${version}`;
}

function joinNames(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
