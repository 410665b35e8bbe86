import { createImageBatch, RandomStream } from '@gahb/core';
import { initBackend } from '@gahb/backend';
import { computeJacobian, jacobianProductPair, multiply } from './jacobian';
import { lanczosTopK } from './lanczos';
import { symmetricEigen } from './symmetric-eigen';
import { TinyReluNetwork } from '../test/test-denoisers';

function randomSymmetric(n: number, seed: number): Float64Array {
  const random = RandomStream.fromSeed(seed, 'lanczos-test-matrix');
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = random.normal();
      matrix[i * n + j] = value;
      matrix[j * n + i] = value;
    }
  }
  return matrix;
}

/** |⟨a_k, b_k⟩| for rows k of two row-major sets of unit vectors. */
function rowAlignment(a: Float64Array, b: Float64Array, n: number, k: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += a[k * n + j] * b[k * n + j];
  return Math.abs(sum);
}

describe('lanczosTopK', () => {
  test('matches dense eigenpairs of a random matrix', async () => {
    // Wigner matrix of size 200 plus a rank-8 spike (eigenvalues near 40…47), so the top 8 are well separated.
    const n = 200;
    const matrix = randomSymmetric(n, 1);
    for (let i = 0; i < 8; i++) matrix[i * n + i] += 40 + i;
    const dense = symmetricEigen(matrix, n);

    const result = await lanczosTopK((v) => multiply(matrix, n, v), n, 8, { tolerance: 1e-10 });

    expect(result.converged).toBe(true);
    for (let k = 0; k < 8; k++) {
      expect(Math.abs(result.eigenvalues[k] - dense.eigenvalues[k])).toBeLessThan(1e-9);
      // Same sign convention as symmetricEigen, so the vectors agree entry by entry.
      expect(rowAlignment(result.eigenvectors, dense.eigenvectors, n, k)).toBeGreaterThan(1 - 1e-9);
    }
  });

  test('finds a repeated top eigenvalue with its multiplicity', async () => {
    // diag(5, 5, 5, 1, 1, …): the Krylov space of one start vector is 2-dimensional, so the restart path runs.
    const n = 30;
    const diagonal = Array.from({ length: n }, (_, i) => (i < 3 ? 5 : 1));

    const result = await lanczosTopK((v) => v.map((value, i) => diagonal[i] * value), n, 4, { tolerance: 1e-12 });

    expect(Array.from(result.eigenvalues, (value) => Number(value.toFixed(10)))).toEqual([5, 5, 5, 1]);
  });

  test('matches dense symmetric part on a small image', async () => {
    // (A + Aᵀ)/2 of a ReLU network on an 8x8 image through double-VJP products, against the dense Jacobian.
    await initBackend({ backend: 'wasm' });
    const network = new TinyReluNetwork(4, 2);
    const image = createImageBatch(1, 8, 8, 1);
    RandomStream.fromSeed(3, 'lanczos-image').fillUniform(image.data, 0, 1);
    const n = 64;
    const dense = symmetricEigen(await computeJacobian(network, image), n);

    const result = await lanczosTopK(
      async (v) => {
        const { product, transposeProduct } = await jacobianProductPair(network, image, v);
        return product.map((value, i) => 0.5 * (value + transposeProduct[i]));
      },
      n,
      5,
      { tolerance: 1e-5 },
    );

    // float32 products: eigenvalues to ~1e-5 relative; vectors to ~1e-3 in angle for gaps of ~1e-2.
    for (let k = 0; k < 5; k++) {
      expect(Math.abs(result.eigenvalues[k] - dense.eigenvalues[k])).toBeLessThan(1e-4 * Math.abs(dense.eigenvalues[0]));
      expect(rowAlignment(result.eigenvectors, dense.eigenvectors, n, k)).toBeGreaterThan(0.999);
    }
    network.dispose();
  });

  test('rejects k larger than n', async () => {
    await expect(lanczosTopK((v) => v, 3, 4)).rejects.toThrow('k 4 is invalid: use an integer in [1, n = 3]');
  });
});
