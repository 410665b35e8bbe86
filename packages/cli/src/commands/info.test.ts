import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { createProgram } from '../main';

let output: string[];
let logSpy: jest.SpyInstance;

beforeEach(() => {
  output = [];
  logSpy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    output.push(args.join(' '));
  });
});

afterEach(() => {
  logSpy.mockRestore();
});

async function gahb(...args: string[]): Promise<void> {
  await createProgram().parseAsync(['node', 'gahb', ...args]);
}

describe('gahb info', () => {
  test('wasm prints backend, versions and cores', async () => {
    await gahb('info', '--backend', 'wasm');

    const lines = output.join('\n').split('\n');
    expect(lines[0]).toMatch(/^backend: +wasm: requested by name \((no )?SIMD, 1 thread, gahb training kernels\)$/);
    expect(lines[1]).toBe(`TensorFlow.js:    ${tf.version_core} (backend "wasm")`);
    expect(lines[2]).toBe(`Node.js:          ${process.version}`);
    expect(lines[3]).toBe(`CPU cores:        ${os.availableParallelism()}`);
    expect(tf.getBackend()).toBe('wasm');
  });

  test('cpu prints the cpu backend', async () => {
    await gahb('info', '--backend', 'cpu');

    expect(output.join('\n')).toContain('backend:          cpu: requested by name');
    expect(tf.getBackend()).toBe('cpu');
  });

  test('auto names the chosen backend and the reason', async () => {
    await gahb('info', '--backend', 'auto');

    // tfjs-node is not a dependency of the workspace, so 'auto' reaches wasm unless a user installed it.
    expect(output.join('\n')).toMatch(/^backend: +(tensorflow-gpu|tensorflow|wasm): /);
  });

  test('unknown backend lists known names', async () => {
    await expect(gahb('info', '--backend', 'webgpu')).rejects.toThrow('Unknown backend "webgpu". Known: cpu, tensorflow, tensorflow-gpu, wasm.');
  });
});
