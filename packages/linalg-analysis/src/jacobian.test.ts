import { createImageBatch, RandomStream } from '@gahb/core';
import { initBackend } from '@gahb/backend';
import {
  computeJacobian,
  computeJacobianRows,
  jacobianChecks,
  jacobianProductPair,
  jacobianVectorProduct,
  multiply,
  relativeAsymmetry,
  relativeDistance,
  vectorJacobianProduct,
} from './jacobian';
import { AffineDenoiser, finiteDifferenceJacobian, LinearDenoiser, TinyReluNetwork } from '../test/test-denoisers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function randomImage(height: number, width: number, seed: number) {
  const image = createImageBatch(1, height, width, 1);
  RandomStream.fromSeed(seed, 'test-image').fillUniform(image.data, 0, 1);
  return image;
}

function randomMatrix(d: number, seed: number): Float64Array {
  const matrix = new Float64Array(d * d);
  RandomStream.fromSeed(seed, 'test-matrix').fillNormal(matrix, 0, 1);
  return matrix;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function transpose(matrix: Float64Array, d: number): Float64Array {
  const result = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) result[j * d + i] = matrix[i * d + j];
  return result;
}

describe('computeJacobian', () => {
  test('linear denoiser gives its matrix', async () => {
    // 5x4 image, d = 20, chunk 6 so the last chunk is partial. float32 products: |error| < 1e-5 for O(1) entries.
    const d = 20;
    const matrix = randomMatrix(d, 1);
    const denoiser = new LinearDenoiser(matrix, d);

    const jacobian = await computeJacobian(denoiser, randomImage(5, 4, 2), { chunkSize: 6 });

    expect(maxAbsDifference(jacobian, matrix)).toBeLessThan(1e-5);
    denoiser.dispose();
  });

  test('ReLU network matches float64 finite differences', async () => {
    // Reference: central differences (h = 1e-6) of an independent float64 implementation; the ReLU pattern
    // is constant within h of y for this seed, so the difference quotient is exact up to ~1e-10.
    const [height, width] = [6, 5];
    const network = new TinyReluNetwork(4, 3);
    const image = randomImage(height, width, 4);
    const reference = finiteDifferenceJacobian((y) => network.reference(y, height, width), Float64Array.from(image.data), 1e-6);
    const progress: number[] = [];

    const jacobian = await computeJacobian(network, image, { chunkSize: 8, onProgress: (done) => progress.push(done) });

    expect(maxAbsDifference(jacobian, reference)).toBeLessThan(1e-5);
    expect(progress).toEqual([8, 16, 24, 30]);
    network.dispose();
  });

  test('rejects a batch of two images', async () => {
    const denoiser = new AffineDenoiser(0);

    await expect(computeJacobian(denoiser, createImageBatch(2, 3, 3, 1))).rejects.toThrow('image has 2 images; pass one image');
  });

  test('rejects an invalid chunk size', async () => {
    await expect(computeJacobian(new AffineDenoiser(0), randomImage(2, 2, 1), { chunkSize: 0 })).rejects.toThrow('chunkSize 0 is invalid');
  });
});

describe('matrix-free products', () => {
  test('vectorJacobianProduct equals transpose times vector', async () => {
    const d = 12;
    const matrix = randomMatrix(d, 5);
    const denoiser = new LinearDenoiser(matrix, d);
    const u = new Float64Array(d).map((_, i) => Math.sin(i + 1));

    const product = await vectorJacobianProduct(denoiser, randomImage(3, 4, 6), u);

    expect(maxAbsDifference(product, multiply(transpose(matrix, d), d, u))).toBeLessThan(1e-5);
    denoiser.dispose();
  });

  test('jacobianVectorProduct matches the dense Jacobian', async () => {
    const [height, width] = [5, 5];
    const network = new TinyReluNetwork(3, 7);
    const image = randomImage(height, width, 8);
    const d = height * width;
    const jacobian = await computeJacobian(network, image);
    const v = new Float64Array(d).map((_, i) => Math.cos(3 * i));

    const product = await jacobianVectorProduct(network, image, v);
    const pair = await jacobianProductPair(network, image, v);

    expect(relativeDistance(product, multiply(jacobian, d, v))).toBeLessThan(1e-5);
    expect(relativeDistance(pair.product, multiply(jacobian, d, v))).toBeLessThan(1e-5);
    expect(relativeDistance(pair.transposeProduct, multiply(transpose(jacobian, d), d, v))).toBeLessThan(1e-5);
    network.dispose();
  });

  test('rejects a vector of the wrong length', async () => {
    await expect(jacobianVectorProduct(new AffineDenoiser(0), randomImage(2, 2, 1), [1, 2, 3])).rejects.toThrow(
      'vector has length 3 but the image has d = 4 values',
    );
  });
});

describe('jacobianChecks', () => {
  test('bias-free ReLU network passes all checks', async () => {
    const network = new TinyReluNetwork(4, 9);
    const image = randomImage(6, 6, 10);
    const jacobian = await computeJacobian(network, image);

    const checks = await jacobianChecks(network, image, jacobian);

    // float32 network: A y = x̂(y) to ~1e-6; the difference quotient loses ~1e-7/1e-3 = 1e-4 to rounding.
    expect(checks.homogeneityError).toBeLessThan(1e-5);
    expect(checks.finiteDifferenceError).toBeLessThan(1e-3);
    expect(checks.asymmetry).toBeGreaterThan(0);
    expect(checks.asymmetry).toBeCloseTo(relativeAsymmetry(jacobian, 36), 12);
    network.dispose();
  });

  test('affine denoiser fails homogeneity', async () => {
    // x̂ = 0.5y + 0.2 so A = 0.5I: A y − x̂(y) = −0.2 per pixel.
    const image = randomImage(4, 4, 11);
    const denoiser = new AffineDenoiser(0.2);
    const jacobian = await computeJacobian(denoiser, image);
    const denoised = Array.from(image.data, (value) => 0.5 * value + 0.2);
    const expected = (0.2 * 4) / Math.hypot(...denoised);

    const checks = await jacobianChecks(denoiser, image, jacobian);

    expect(checks.homogeneityError).toBeCloseTo(expected, 5);
    expect(checks.asymmetry).toBeLessThan(1e-12);
  });

  test('asymmetry of a known matrix', () => {
    // [[1, 2], [0, 1]]: ‖A − Aᵀ‖_F = √8, ‖A‖_F = √6.
    expect(relativeAsymmetry(Float64Array.of(1, 2, 0, 1), 2)).toBeCloseTo(Math.sqrt(8 / 6), 14);
  });
});

describe('computeJacobianRows', () => {
  test('row range equals the slice of the full Jacobian', async () => {
    const d = 20;
    const matrix = randomMatrix(d, 12);
    const denoiser = new LinearDenoiser(matrix, d);
    const image = randomImage(4, 5, 13);

    const rows = await computeJacobianRows(denoiser, image, 7, 9, { chunkSize: 4 });

    expect(rows.length).toBe(9 * d);
    expect(maxAbsDifference(rows, matrix.subarray(7 * d, 16 * d))).toBeLessThan(1e-5);
    denoiser.dispose();
  });

  test('rejects rows past d', async () => {
    await expect(computeJacobianRows(new AffineDenoiser(0), randomImage(2, 2, 1), 3, 2)).rejects.toThrow('rows [3, 5) are invalid');
  });
});
