// initBackend against stand-in @tensorflow/tfjs-node and @tensorflow/tfjs-node-gpu packages written into a
// temporary node_modules. Each stand-in registers the TensorFlow.js backend 'tensorflow' with the cpu
// backend's kernels and records that it was loaded.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createLogger } from '@gahb/core';
import { initBackend } from './init-backend';
import { backendRegistry, type BackendEntry } from './backend-registry';

const STAND_IN_SOURCE = (packageName: string): string => `
const tf = require('@tensorflow/tfjs-core');
globalThis.gahbStandInLoads = [...(globalThis.gahbStandInLoads ?? []), ${JSON.stringify(packageName)}];
if (tf.findBackendFactory('tensorflow') === null) {
  const cpu = tf.findBackend('cpu');
  tf.registerBackend('tensorflow', () => new cpu.constructor(), 1);
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
  }
}
`;

const temporaryFolders: string[] = [];

/** Creates a project folder whose node_modules contains the named stand-in packages and tfjs-core. */
function createProject(standIns: string[]): string {
  const project = mkdtempSync(path.join(tmpdir(), 'gahb-backend-'));
  temporaryFolders.push(project);
  const scope = path.join(project, 'node_modules', '@tensorflow');
  mkdirSync(scope, { recursive: true });
  symlinkSync(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), path.join(scope, 'tfjs-core'), 'dir');
  for (const packageName of standIns) {
    const folder = path.join(project, 'node_modules', packageName);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: packageName, version: '4.22.0', main: 'index.js' }));
    writeFileSync(path.join(folder, 'index.js'), STAND_IN_SOURCE(packageName));
  }
  return project;
}

function standInLoads(): string[] {
  return (globalThis as { gahbStandInLoads?: string[] }).gahbStandInLoads ?? [];
}

afterAll(() => {
  for (const folder of temporaryFolders) {
    rmSync(folder, { recursive: true, force: true });
  }
});

describe('initBackend', () => {
  test('auto prefers tfjs-node-gpu over tfjs-node', async () => {
    const project = createProject(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);

    const choice = await initBackend({ backend: 'auto', resolveFrom: project });

    expect(choice.name).toBe('tensorflow-gpu');
    expect(choice.reason).toBe('tensorflow-gpu: highest-priority backend');
    expect(choice.tfjsBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(standInLoads()).toEqual(['@tensorflow/tfjs-node-gpu']);
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync())).toEqual([4, 6]);
  });

  test('second call returns current choice', async () => {
    const project = createProject(['@tensorflow/tfjs-node-gpu']);
    const first = await initBackend({ backend: 'auto', resolveFrom: project });
    const loadsAfterFirst = standInLoads().length;

    const second = await initBackend({ backend: 'auto', resolveFrom: project });

    expect(second).toBe(first);
    expect(standInLoads().length).toBe(loadsAfterFirst);
  });

  test('auto takes tfjs-node when tfjs-node-gpu is missing', async () => {
    const project = createProject(['@tensorflow/tfjs-node']);

    const choice = await initBackend({ backend: 'auto', resolveFrom: project });

    expect(choice.name).toBe('tensorflow');
    expect(choice.reason).toBe('tensorflow: @tensorflow/tfjs-node-gpu is not installed');
    expect(standInLoads()).toContain('@tensorflow/tfjs-node');
  });

  test('auto falls back to wasm without native packages', async () => {
    const project = createProject([]);

    const choice = await initBackend({ backend: 'auto', resolveFrom: project });

    expect(choice.name).toBe('wasm');
    expect(choice.reason).toMatch(/^wasm: @tensorflow\/tfjs-node-gpu and @tensorflow\/tfjs-node are not installed \(SIMD, 1 thread/);
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.tfjsVersion).toBe(tf.version_core);
  });

  test('choice is logged with its reason', async () => {
    const lines: string[] = [];
    const logger = createLogger('backend', { level: 'info', format: 'json', destination: { write: (line: string) => lines.push(line) } });

    await initBackend({ backend: 'cpu', resolveFrom: createProject([]), logger });

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as { msg: string; backend: string };
    expect(entry.backend).toBe('cpu');
    expect(entry.msg).toBe('Backend cpu: requested by name (plain JavaScript reference kernels)');
  });

  test('named backend that is missing raises install hint', async () => {
    const project = createProject([]);

    await expect(initBackend({ backend: 'tensorflow', resolveFrom: project })).rejects.toThrow(
      'Backend "tensorflow" is not available: @tensorflow/tfjs-node is not installed. Install it with: npm install @tensorflow/tfjs-node@4.22.0',
    );
  });

  test('unknown backend name lists known names', async () => {
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow('Unknown backend "webgpu". Known: cpu, tensorflow, tensorflow-gpu, wasm.');
  });

  test('GAHB_BACKEND sets the default', async () => {
    const previous = process.env['GAHB_BACKEND'];
    process.env['GAHB_BACKEND'] = 'cpu';
    try {
      const choice = await initBackend({ resolveFrom: createProject(['@tensorflow/tfjs-node']) });

      expect(choice.name).toBe('cpu');
      expect(choice.reason).toBe('cpu: requested by name (plain JavaScript reference kernels)');
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      if (previous === undefined) {
        delete process.env['GAHB_BACKEND'];
      } else {
        process.env['GAHB_BACKEND'] = previous;
      }
    }
  });

  test('third-party entry with higher priority wins', async () => {
    const entry: BackendEntry = {
      name: 'third-party',
      priority: 1000,
      tfjsBackendName: 'cpu',
      packageName: 'gahb-third-party-backend',
      async load() {
        return { available: true, detail: 'registered by a test' };
      },
    };
    backendRegistry.register(entry.name, entry);
    try {
      const choice = await initBackend({ backend: 'auto', resolveFrom: createProject([]) });

      expect(choice.name).toBe('third-party');
      expect(choice.reason).toBe('third-party: highest-priority backend (registered by a test)');
    } finally {
      backendRegistry.unregister(entry.name);
    }
  });

  test('auto skips a stand-in that fails to load', async () => {
    const project = createProject(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    const failure = "throw new Error('libcudart.so.11.0: cannot open shared object file');";
    writeFileSync(path.join(project, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'index.js'), failure);

    const choice = await initBackend({ backend: 'auto', resolveFrom: project });

    expect(choice.name).toBe('tensorflow');
    expect(choice.reason).toBe('tensorflow: @tensorflow/tfjs-node-gpu failed to load (libcudart.so.11.0: cannot open shared object file)');
  });

  test('named backend that fails to load raises its error', async () => {
    const project = createProject(['@tensorflow/tfjs-node-gpu']);
    const failure = "throw new Error('libcudart.so.11.0: cannot open shared object file');";
    writeFileSync(path.join(project, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'index.js'), failure);

    await expect(initBackend({ backend: 'tensorflow-gpu', resolveFrom: project })).rejects.toThrow('libcudart.so.11.0');
  });
});
