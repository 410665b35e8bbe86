import * as path from 'node:path';
import { RandomStream, readNpy } from '@gahb/core';
import { closeBackTransformWorker } from './eigen-worker';
import { singularValues, symmetricEigen } from './symmetric-eigen';
import { tridiagonalEigenvalues } from './tridiagonal-eigen';

const fixtureDirectory = path.join(__dirname, '..', 'test', 'fixtures', 'unet-k8-b3-16px');

function randomSymmetric(n: number, seed: number): Float64Array {
  const random = RandomStream.fromSeed(seed, 'random-symmetric');
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

/** Returns Q diag(values) Qᵀ for Q a product of three random Householder reflections (orthogonal to rounding). */
function matrixWithSpectrum(values: readonly number[], seed: number): Float64Array {
  const n = values.length;
  const random = RandomStream.fromSeed(seed, 'orthogonal');
  const matrix = new Float64Array(n * n);
  values.forEach((value, i) => (matrix[i * n + i] = value));
  for (let reflection = 0; reflection < 3; reflection++) {
    const v = new Float64Array(n);
    random.fillNormal(v, 0, 1);
    const beta = 2 / v.reduce((sum, x) => sum + x * x, 0);
    // M ← H M H with H = I − βvvᵀ, applied as two one-sided products.
    for (let side = 0; side < 2; side++) {
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += matrix[i * n + j] * v[j];
        for (let j = 0; j < n; j++) matrix[i * n + j] -= beta * dot * v[j];
      }
      transposeInPlace(matrix, n);
    }
  }
  return matrix;
}

function transposeInPlace(matrix: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const value = matrix[i * n + j];
      matrix[i * n + j] = matrix[j * n + i];
      matrix[j * n + i] = value;
    }
  }
}

/** max over k of ‖M e_k − λ_k e_k‖∞. */
function maxResidual(matrix: Float64Array, n: number, eigenvalues: Float64Array, eigenvectors: Float64Array): number {
  let residual = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += matrix[i * n + j] * eigenvectors[k * n + j];
      residual = Math.max(residual, Math.abs(sum - eigenvalues[k] * eigenvectors[k * n + i]));
    }
  }
  return residual;
}

/** max |VVᵀ − I| over all entries, with V the rows of `eigenvectors`. */
function maxOrthogonalityError(eigenvectors: Float64Array, n: number): number {
  let error = 0;
  for (let k = 0; k < n; k++) {
    for (let l = k; l < n; l++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += eigenvectors[k * n + j] * eigenvectors[l * n + j];
      error = Math.max(error, Math.abs(dot - (k === l ? 1 : 0)));
    }
  }
  return error;
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

describe('symmetricEigen', () => {
  // Tolerances: residual and orthogonality within 1e-12 relative to the largest eigenvalue magnitude, about
  // 5000ε, far above the rounding error of a backward-stable method at these sizes (LAPACK reaches ~nε).
  test.each([1, 2, 3, 7, 64, 150])('random symmetric matrix of size %i', (n) => {
    const matrix = randomSymmetric(n, n);

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n);
    const scale = Math.max(1, maxAbs(eigenvalues));

    expect(maxResidual(matrix, n, eigenvalues, eigenvectors) / scale).toBeLessThan(1e-12);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-12);
    for (let k = 1; k < n; k++) expect(eigenvalues[k]).toBeLessThanOrEqual(eigenvalues[k - 1]);
  });

  test('trace equals eigenvalue sum', () => {
    const n = 80;
    const matrix = randomSymmetric(n, 3);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += matrix[i * n + i];

    const { eigenvalues } = symmetricEigen(matrix, n);

    expect(Math.abs(eigenvalues.reduce((sum, value) => sum + value, 0) - trace)).toBeLessThan(1e-10);
  });

  test('repeated eigenvalues', () => {
    // Multiplicities 12, 20 and 5 force (nearly) split tridiagonal blocks and clusters in the inverse iteration.
    const spectrum = [
      ...Array<number>(12).fill(3),
      ...Array<number>(20).fill(1),
      ...Array<number>(5).fill(-2),
      ...Array.from({ length: 23 }, (_, i) => 0.5 - i * 0.03),
    ];
    const n = spectrum.length;
    const matrix = matrixWithSpectrum(spectrum, 11);
    const expected = [...spectrum].sort((a, b) => b - a);

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n);

    for (let k = 0; k < n; k++) expect(Math.abs(eigenvalues[k] - expected[k])).toBeLessThan(1e-12);
    expect(maxResidual(matrix, n, eigenvalues, eigenvectors)).toBeLessThan(1e-12);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-12);
  });

  test('singular matrix with many zero eigenvalues', () => {
    // 60 zero eigenvalues: the reduced matrix has rounding-level blocks, which must still give orthogonal vectors.
    const spectrum = [...Array<number>(60).fill(0), ...Array.from({ length: 40 }, (_, i) => 1 + i / 20)];
    const n = spectrum.length;
    const matrix = matrixWithSpectrum(spectrum, 12);
    const expected = [...spectrum].sort((a, b) => b - a);

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n);

    for (let k = 0; k < n; k++) expect(Math.abs(eigenvalues[k] - expected[k])).toBeLessThan(1e-12);
    expect(maxResidual(matrix, n, eigenvalues, eigenvectors)).toBeLessThan(1e-12);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-12);
  });

  test('Wilkinson matrix with nearly equal pairs', () => {
    // W⁺₂₁: tridiagonal, diagonal |10 − i|, off-diagonal 1. Its top eigenvalues come in pairs equal to ~1e-14.
    const n = 21;
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      matrix[i * n + i] = Math.abs(10 - i);
      if (i + 1 < n) {
        matrix[i * n + i + 1] = 1;
        matrix[(i + 1) * n + i] = 1;
      }
    }

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n);

    expect(eigenvalues[0] - eigenvalues[1]).toBeLessThan(1e-12);
    expect(maxResidual(matrix, n, eigenvalues, eigenvectors)).toBeLessThan(1e-13);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-13);
  });

  test('identity matrix', () => {
    const n = 30;
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i++) matrix[i * n + i] = 1;

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n);

    expect(maxAbs(eigenvalues.map((value) => value - 1))).toBeLessThan(1e-15);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-14);
  });

  test('path-graph Laplacian matches closed form', () => {
    // Eigenvalues of tridiag(−1, 2, −1) of size n: 2 − 2cos(jπ/(n + 1)), j = 1…n.
    const n = 120;
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      matrix[i * n + i] = 2;
      if (i + 1 < n) {
        matrix[i * n + i + 1] = -1;
        matrix[(i + 1) * n + i] = -1;
      }
    }
    const expected = Array.from({ length: n }, (_, j) => 2 - 2 * Math.cos(((j + 1) * Math.PI) / (n + 1))).sort((a, b) => b - a);

    const { eigenvalues } = symmetricEigen(matrix, n);

    for (let k = 0; k < n; k++) expect(Math.abs(eigenvalues[k] - expected[k])).toBeLessThan(1e-13);
  });

  test('symmetrises a non-symmetric input', () => {
    const n = 40;
    const random = RandomStream.fromSeed(5, 'non-symmetric');
    const matrix = new Float64Array(n * n);
    random.fillNormal(matrix, 0, 1);
    const symmetric = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) symmetric[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
    }

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n);

    expect(maxResidual(symmetric, n, eigenvalues, eigenvectors)).toBeLessThan(1e-12);
  });

  test('largest entry of each eigenvector is positive', () => {
    const n = 50;
    const { eigenvectors } = symmetricEigen(randomSymmetric(n, 8), n);

    for (let k = 0; k < n; k++) {
      const row = eigenvectors.subarray(k * n, (k + 1) * n);
      let largest = 0;
      for (const value of row) if (Math.abs(value) > Math.abs(largest)) largest = value;
      expect(largest).toBeGreaterThan(0);
    }
  });

  test('PyTorch UNet Jacobian eigenvalues', async () => {
    // eigvalsh of (J + Jᵀ)/2 by PyTorch/LAPACK for a random-weight UNet on a 16x16 image; ‖J‖ is O(1).
    const jacobian = await readNpy(path.join(fixtureDirectory, 'jacobian_of_denoised_at_input1.npy'));
    const reference = await readNpy(path.join(fixtureDirectory, 'eigenvalues_of_symmetrized_jacobian_desc.npy'));
    const n = reference.shape[0];

    const { eigenvalues, eigenvectors } = symmetricEigen(jacobian.data as Float64Array, n);

    expect(eigenvalues.length).toBe(256);
    for (let k = 0; k < n; k++) expect(Math.abs(eigenvalues[k] - reference.data[k])).toBeLessThan(1e-11);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-12);
  });

  test('rejects a matrix of the wrong size', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow('matrix has 5 entries but n = 2 needs n² = 4');
  });

  test('rejects a non-finite entry', () => {
    expect(() => symmetricEigen(Float64Array.of(1, 0, 0, NaN), 2)).toThrow('entry (1, 1) is NaN');
  });
});

describe('symmetricEigen implementations', () => {
  afterAll(closeBackTransformWorker);

  // Sizes around multiples of four (rows per kernel call) and of 32 (reflectors per back-transformation block).
  test.each([1, 2, 3, 4, 5, 6, 7, 33, 35, 66, 150])('wasm and JavaScript agree at size %i', (n) => {
    const matrix = randomSymmetric(n, 100 + n);

    const wasm = symmetricEigen(matrix, n, { implementation: 'wasm' });
    const javascript = symmetricEigen(matrix, n, { implementation: 'javascript' });
    const scale = Math.max(1, maxAbs(javascript.eigenvalues));

    expect(maxAbs(wasm.eigenvalues.map((value, k) => value - javascript.eigenvalues[k])) / scale).toBeLessThan(1e-13);
    // Eigenvectors of random matrices are well separated here (gaps above 1e-3), so both paths agree to about ε‖A‖/gap.
    expect(maxAbs(wasm.eigenvectors.map((value, i) => value - javascript.eigenvectors[i]))).toBeLessThan(1e-10);
  });

  test.each(['wasm', 'javascript'] as const)('%s path residual and orthogonality', (implementation) => {
    const n = 97;
    const matrix = randomSymmetric(n, 7);

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n, { implementation });
    const scale = Math.max(1, maxAbs(eigenvalues));

    expect(maxResidual(matrix, n, eigenvalues, eigenvectors) / scale).toBeLessThan(1e-12);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-12);
  });

  test.each(['wasm', 'javascript'] as const)('%s path repeated and zero eigenvalues', (implementation) => {
    const spectrum = [...Array<number>(40).fill(0), ...Array<number>(9).fill(2), ...Array.from({ length: 20 }, (_, i) => -1 - i / 10)];
    const n = spectrum.length;
    const matrix = matrixWithSpectrum(spectrum, 21);
    const expected = [...spectrum].sort((a, b) => b - a);

    const { eigenvalues, eigenvectors } = symmetricEigen(matrix, n, { implementation });

    for (let k = 0; k < n; k++) expect(Math.abs(eigenvalues[k] - expected[k])).toBeLessThan(1e-12);
    expect(maxResidual(matrix, n, eigenvalues, eigenvectors)).toBeLessThan(1e-12);
    expect(maxOrthogonalityError(eigenvectors, n)).toBeLessThan(1e-12);
  });

  test('worker thread gives identical eigenvectors', () => {
    // Rows are independent in the back-transformation, so splitting them between threads changes no bit.
    const n = 530;
    const matrix = randomSymmetric(n, 9);

    const twoThreads = symmetricEigen(matrix, n, { implementation: 'wasm', threads: 2 });
    const oneThread = symmetricEigen(matrix, n, { implementation: 'wasm', threads: 1 });

    expect(Buffer.from(twoThreads.eigenvectors.buffer).equals(Buffer.from(oneThread.eigenvectors.buffer))).toBe(true);
    expect(Array.from(twoThreads.eigenvalues)).toEqual(Array.from(oneThread.eigenvalues));
  });

  test('rejects an invalid thread count', () => {
    expect(() => symmetricEigen(Float64Array.of(1), 1, { threads: 3 as 2 })).toThrow('threads 3 is invalid');
  });

  test('rejects an unknown implementation', () => {
    expect(() => symmetricEigen(Float64Array.of(1), 1, { implementation: 'gpu' as 'wasm' })).toThrow("implementation 'gpu' is invalid");
  });

  test('falls back to JavaScript without WebAssembly SIMD', () => {
    // A runtime whose validate() rejects the module, as one without the SIMD proposal does.
    const runtime = globalThis as unknown as { WebAssembly: object };
    const real = runtime.WebAssembly;
    const withoutSimd = Object.assign(Object.create(real) as object, { validate: () => false });
    const matrix = randomSymmetric(20, 4);
    let fallback: typeof symmetricEigen | undefined;
    try {
      runtime.WebAssembly = withoutSimd;
      jest.isolateModules(() => {
        fallback = (require('./symmetric-eigen') as typeof import('./symmetric-eigen')).symmetricEigen;
      });
    } finally {
      runtime.WebAssembly = real;
    }

    const expected = symmetricEigen(matrix, 20, { implementation: 'javascript' });
    const result = fallback!(matrix, 20);

    expect(Array.from(result.eigenvalues)).toEqual(Array.from(expected.eigenvalues));
    expect(Array.from(result.eigenvectors)).toEqual(Array.from(expected.eigenvectors));
    expect(() => fallback!(matrix, 20, { implementation: 'wasm' })).toThrow('does not support WebAssembly SIMD');
  });
});

describe('tridiagonalEigenvalues', () => {
  test('2x2 matrix matches closed form', () => {
    // [[a, b], [b, c]]: (a + c)/2 ± sqrt(((a − c)/2)² + b²).
    const [a, b, c] = [0.3, -1.7, 2.2];
    const radius = Math.hypot((a - c) / 2, b);

    const values = tridiagonalEigenvalues(Float64Array.of(a, c), Float64Array.of(b));

    expect(Math.abs(values[0] - ((a + c) / 2 - radius))).toBeLessThan(1e-15);
    expect(Math.abs(values[1] - ((a + c) / 2 + radius))).toBeLessThan(1e-15);
  });

  test.each([1e200, 1e-200])('2x2 matrix scaled by %p', (scale) => {
    // Entries near the overflow and underflow limits take the scaled branch of the QL rotations' √(f² + g²).
    const [a, b, c] = [0.3 * scale, -1.7 * scale, 2.2 * scale];
    const center = (a + c) / 2;
    const radius = scale * Math.hypot((0.3 - 2.2) / 2, -1.7);

    const values = tridiagonalEigenvalues(Float64Array.of(a, c), Float64Array.of(b));

    expect(Math.abs(values[0] - (center - radius)) / scale).toBeLessThan(1e-14);
    expect(Math.abs(values[1] - (center + radius)) / scale).toBeLessThan(1e-14);
  });
});

describe('symmetricEigen without eigenvectors', () => {
  test('eigenvalues equal the full decomposition', () => {
    const n = 90;
    const matrix = randomSymmetric(n, 31);

    const full = symmetricEigen(matrix, n);
    const valuesOnly = symmetricEigen(matrix, n, { eigenvectors: false });

    expect(valuesOnly.eigenvectors.length).toBe(0);
    for (let k = 0; k < n; k++) expect(Math.abs(valuesOnly.eigenvalues[k] - full.eigenvalues[k])).toBeLessThan(1e-12);
  });
});

describe('singularValues', () => {
  test('matrix with known singular values', () => {
    // A = U diag(s) Vᵀ with orthogonal U, V taken from eigenvectors of two random symmetric matrices.
    const spectrum = [5, 3, 3, 1, 0.5, 0.1];
    const n = spectrum.length;
    const u = symmetricEigen(matrixWithSpectrum([1, 2, 3, 4, 5, 6], 42), n).eigenvectors;
    const v = symmetricEigen(matrixWithSpectrum([6, 1, 5, 2, 4, 3], 43), n).eigenvectors;
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += u[k * n + i] * spectrum[k] * v[k * n + j];
        matrix[i * n + j] = sum;
      }
    }

    const values = singularValues(matrix, n);

    for (let k = 0; k < n; k++) expect(Math.abs(values[k] - spectrum[k])).toBeLessThan(1e-12 * spectrum[0]);
  });
});
