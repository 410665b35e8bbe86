// composeWasmKernels and transposeMerged on the wasm backend.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../init-backend';
import { randomTensor } from '../../test/compare-backends';
import { composeWasmKernels, transposeMerged } from './wasm-kernel-calls';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('transposeMerged', () => {
  test.each([
    [[2, 3, 4, 5], [3, 1, 2, 0]],
    [[2, 3, 4, 5], [1, 2, 0, 3]],
    [[2, 3, 4, 5], [0, 1, 2, 3]],
    [[2, 3, 4, 5], [2, 3, 0, 1]],
    [[2, 3, 4, 5], [3, 2, 1, 0]],
    [[2, 1, 3, 2, 4], [4, 0, 1, 2, 3]],
    [[3, 2, 2, 3, 2, 2], [2, 4, 5, 0, 1, 3]],
  ])('matches tf.transpose for shape %j perm %j', (shape, perm) => {
    const backend = tf.backend() as BackendWasm;
    const values = randomTensor(shape, 8, 'transpose', shape.join('x'), perm.join(''));
    const x = tf.tensor(values.values, shape);
    const expected = tf.transpose(x, perm);

    const actual = tf.engine().makeTensorFromTensorInfo(composeWasmKernels(backend, (run) => transposeMerged(run, x, perm)));

    expect(actual.shape).toEqual(expected.shape);
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([x, expected, actual]);
  });
});

describe('composeWasmKernels', () => {
  test('releases intermediates when the composition throws', () => {
    const backend = tf.backend() as BackendWasm;
    const x = tf.ones([2, 3, 4, 5]);
    const dataIdsBefore = backend.numDataIds();

    const compose = (): unknown =>
      composeWasmKernels(backend, (run) => {
        run('Transpose', { x }, { perm: [3, 2, 1, 0] });
        run('PadV2', { x }, { paddings: [[0, 0], [1, 1], [0, 0], [0, 0]], constantValue: 0 });
        throw new Error('composition failed');
      });

    expect(compose).toThrow('composition failed');
    expect(backend.numDataIds()).toBe(dataIdsBefore);
    x.dispose();
  });

  test('unknown kernel name raises an error', () => {
    const backend = tf.backend() as BackendWasm;

    expect(() => composeWasmKernels(backend, (run) => run('NoSuchKernel', {}))).toThrow('The wasm kernel "NoSuchKernel" is not registered');
  });
});
