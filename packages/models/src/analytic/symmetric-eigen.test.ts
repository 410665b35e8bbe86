import { RandomStream } from '@gahb/core';

import { symmetricEigen } from './symmetric-eigen';

/** Returns a random symmetric d×d matrix B + Bᵀ with entries of B from N(0, 1). */
function randomSymmetric(d: number, seed: number): Float64Array {
  const random = RandomStream.fromSeed(seed, 'symmetric-eigen-test');
  const b = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) {
    b[i] = random.normal();
  }
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      a[i * d + j] = b[i * d + j] + b[j * d + i];
    }
  }
  return a;
}

describe('symmetricEigen', () => {
  test('2x2 matrix matches closed form', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2.
    const { eigenvalues, eigenvectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(eigenvalues[0]).toBeCloseTo(3, 12);
    expect(eigenvalues[1]).toBeCloseTo(1, 12);
    expect(Math.abs(eigenvectors[0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(eigenvectors[0] * eigenvectors[2]).toBeCloseTo(0.5, 12);
    expect(eigenvectors[1] * eigenvectors[3]).toBeCloseTo(-0.5, 12);
  });

  test.each([1, 5, 40])('d = %i reconstructs A and is orthonormal', (d) => {
    const a = randomSymmetric(d, d);
    const { eigenvalues, eigenvectors: v } = symmetricEigen(a, d);
    let norm = 0;
    for (const value of a) {
      norm = Math.max(norm, Math.abs(value));
    }

    // Tolerance 1e-10 relative to max |A_ij| for V diag(λ) Vᵀ = A and 1e-12 for VᵀV = I.
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let reconstructed = 0;
        let gram = 0;
        for (let k = 0; k < d; k++) {
          reconstructed += v[i * d + k] * eigenvalues[k] * v[j * d + k];
          gram += v[k * d + i] * v[k * d + j];
        }
        expect(Math.abs(reconstructed - a[i * d + j])).toBeLessThan(1e-10 * norm);
        expect(Math.abs(gram - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    for (let k = 1; k < d; k++) {
      expect(eigenvalues[k]).toBeLessThanOrEqual(eigenvalues[k - 1]);
    }
  });

  test('trace equals sum of eigenvalues', () => {
    const d = 12;
    const a = randomSymmetric(d, 3);
    const { eigenvalues } = symmetricEigen(a, d);
    let trace = 0;
    for (let i = 0; i < d; i++) {
      trace += a[i * d + i];
    }
    expect(eigenvalues.reduce((sum, value) => sum + value, 0)).toBeCloseTo(trace, 10);
  });

  test('asymmetric matrix is rejected', () => {
    expect(() => symmetricEigen(Float64Array.from([1, 2, 3, 4]), 2)).toThrow(/must be symmetric/);
  });

  test('wrong size is rejected', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/d = 2 needs 4/);
  });
});
