// Sum and Mean on wasm (gahb's leading-axes kernels with built-in fallback) against the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../init-backend';
import { compareValues, randomTensor, runKernelOn } from '../../test/compare-backends';
import { leadingReducedAxes, reduceLeadingAxesByRoute, type LeadingAxesReductionRoute } from './leading-axes-reduction';

// float32 sums of up to 2048 terms of size ~1: rounding error ~1e-6 of the largest partial sum.
const RELATIVE_TOLERANCE = 1e-5;

const cases: Array<{ shape: number[]; axis: number | number[]; keepDims: boolean }> = [
  { shape: [3, 5, 7, 8], axis: [0, 1, 2], keepDims: false },
  { shape: [3, 5, 7, 8], axis: [0, 1, 2], keepDims: true },
  { shape: [2, 9, 9, 1], axis: [2, 0, 1], keepDims: false },
  { shape: [4, 6], axis: 0, keepDims: false },
  { shape: [4, 6, 5], axis: [0, 1], keepDims: true },
  { shape: [16, 16, 8, 4], axis: [0, 1, 2], keepDims: false },
  // Batch-norm shapes of the bf-unet (window 16x16 and 40x40 per image), one reduced axis, 4 reduced axes.
  { shape: [4, 16, 16, 16], axis: [0, 1, 2], keepDims: false },
  { shape: [2, 40, 40, 8], axis: [0, 1, 2], keepDims: true },
  { shape: [300, 3], axis: 0, keepDims: false },
  { shape: [2, 3, 4, 5, 6], axis: [0, 1, 2, 3], keepDims: false },
  // A single-element pooling window: the matmul route.
  { shape: [8, 1, 1, 5], axis: [0, 1, 2], keepDims: false },
  // Fallbacks to the built-in kernels: inner axes, mixed axes, all axes, a single reduced element.
  { shape: [3, 5, 7, 8], axis: [1, 2], keepDims: false },
  { shape: [3, 5, 7, 8], axis: [0, 2], keepDims: true },
  { shape: [3, 5, 7, 8], axis: -1, keepDims: false },
  { shape: [3, 5, 7, 8], axis: [0, 1, 2, 3], keepDims: false },
  { shape: [1, 5, 7], axis: 0, keepDims: false },
];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe.each(['Sum', 'Mean'])('%s on wasm', (kernelName) => {
  test.each(cases.map((c, i) => [JSON.stringify(c), i] as const))('matches cpu for %s', async (_name, index) => {
    const { shape, axis, keepDims } = cases[index];
    const inputs = { x: randomTensor(shape, 4, kernelName, index) };

    const expected = await runKernelOn('cpu', kernelName, inputs, { axis, keepDims });
    const actual = await runKernelOn('wasm', kernelName, inputs, { axis, keepDims });

    expect(actual.shape).toEqual(expected.shape);
    const { maxError, maxReference } = compareValues(actual.values, expected.values);
    expect(maxError).toBeLessThanOrEqual(RELATIVE_TOLERANCE * maxReference);
  });

  // Each route directly, on the leading-axes cases above that it covers.
  const routeCases = cases.filter((c) => leadingReducedAxes(c.axis, c.shape) > 0);
  // The pooled window: the one reduced axis, else the reduced axes after the first.
  const windowSize = (c: (typeof cases)[number]) => {
    const count = leadingReducedAxes(c.axis, c.shape);
    return count === 1 ? c.shape[0] : c.shape.slice(1, count).reduce((product, size) => product * size, 1);
  };
  test.each(
    (['average-pool', 'matmul'] as const).flatMap((route) =>
      routeCases.filter((c) => route === 'matmul' || windowSize(c) > 1).map((c) => [route, JSON.stringify(c), c] as const),
    ),
  )('route %s matches cpu for %s', async (route: LeadingAxesReductionRoute, _name, testCase) => {
    const { shape, axis, keepDims } = testCase;
    const input = randomTensor(shape, 5, kernelName, route, _name);
    const expected = await runKernelOn('cpu', kernelName, { x: input }, { axis, keepDims });

    await tf.setBackend('wasm');
    const x = tf.tensor(input.values, shape, 'float32');
    const count = leadingReducedAxes(axis, shape);
    const info = reduceLeadingAxesByRoute(tf.backend() as BackendWasm, x, { axis, keepDims }, count, kernelName === 'Mean', route);
    const actual = tf.engine().makeTensorFromTensorInfo(info);

    expect(actual.shape).toEqual(expected.shape);
    const { maxError, maxReference } = compareValues(actual.dataSync(), expected.values);
    expect(maxError).toBeLessThanOrEqual(RELATIVE_TOLERANCE * maxReference);
    tf.dispose([x, actual]);
  });

  test('average-pool route rejects a one-element window', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([8, 1, 1, 5]);
    expect(() => reduceLeadingAxesByRoute(tf.backend() as BackendWasm, x, { axis: [0, 1, 2], keepDims: false }, 3, false, 'average-pool')).toThrow(
      /needs a pooling window of 2 or more elements, got 1 for shape \[8, 1, 1, 5\] over 3 axes; use route 'matmul'/,
    );
    x.dispose();
  });

  test('int32 input runs on the built-in kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');

    const reduced = tf.engine().runKernel(kernelName, { x }, { axis: [0, 1], keepDims: false }) as tf.Tensor;

    // The built-in wasm Mean returns float32 for int32 input, its Sum int32.
    expect(reduced.dtype).toBe(kernelName === 'Sum' ? 'int32' : 'float32');
    expect(Array.from(reduced.dataSync())).toEqual(kernelName === 'Sum' ? [16, 20] : [4, 5]);
    tf.dispose([x, reduced]);
  });

  test('releases every intermediate tensor', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.ones([4, 6, 6, 3]);
    const dataIdsBefore = backend.numDataIds();

    const reduced = tf.engine().runKernel(kernelName, { x }, { axis: [0, 1, 2], keepDims: true }) as tf.Tensor;

    expect(backend.numDataIds()).toBe(dataIdsBefore + 1);
    expect(reduced.shape).toEqual([1, 1, 1, 3]);
    tf.dispose([x, reduced]);
  });
});

describe('leadingReducedAxes', () => {
  test('counts leading axes in any order', () => {
    expect(leadingReducedAxes([1, 0, 2], [2, 3, 4, 5])).toBe(3);
  });

  test('returns 0 for inner, mixed or all axes', () => {
    expect(leadingReducedAxes([1, 2], [2, 3, 4, 5])).toBe(0);
    expect(leadingReducedAxes([0, 2], [2, 3, 4, 5])).toBe(0);
    expect(leadingReducedAxes([0, 1, 2, 3], [2, 3, 4, 5])).toBe(0);
  });
});
