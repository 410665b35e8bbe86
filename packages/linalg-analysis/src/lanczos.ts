// Largest eigenpairs of a symmetric operator given only as a matrix-vector product, by the Lanczos iteration
// with full reorthogonalisation (Golub & Van Loan, "Matrix Computations", 4th ed., chapter 10). Ritz pairs come
// from the tridiagonal matrix T_m, with the residual bound ‖A x − θx‖ = |β_m s_{m,i}|.
import { RandomStream } from '@gahb/core';
import { fixSigns } from './symmetric-eigen';
import { tridiagonalEigen } from './tridiagonal-eigen';

/** Product v ↦ A v with a symmetric A; may be asynchronous (e.g. a Jacobian product on a TensorFlow.js backend). */
export type SymmetricMatVec = (v: Float64Array) => Promise<Float64Array> | Float64Array;

/** Options of {@link lanczosTopK}. */
export interface LanczosOptions {
  /** Maximum Krylov dimension (products with A). Default min(n, 3k + 60). */
  maxIterations?: number;
  /** A Ritz pair is converged when ‖A x − θx‖ ≤ tolerance·|θ_max|. Default 1e-6. */
  tolerance?: number;
  /** Seed of the start vector. Default 0. */
  seed?: number;
  /** Called after each product with the iteration count. */
  onIteration?: (iteration: number) => void;
}

/** Result of {@link lanczosTopK}. */
export interface LanczosResult {
  /** The k largest Ritz values, decreasing. */
  eigenvalues: Float64Array;
  /** k×n row-major, row i = unit Ritz vector of eigenvalues[i]; the entry of largest magnitude is positive. */
  eigenvectors: Float64Array;
  /** Residual bounds ‖A x_i − θ_i x_i‖ (from the Lanczos recurrence). */
  residuals: Float64Array;
  /** Products with A performed. */
  iterations: number;
  /** Whether every returned pair met the tolerance. */
  converged: boolean;
}

// Ritz values are checked for convergence every this many iterations (each check is an O(m²) tridiagonal solve).
const CHECK_INTERVAL = 10;

/**
 * Computes the k largest (algebraic) eigenvalues and their eigenvectors of the symmetric n×n operator
 * `matvec`. Each new Lanczos vector is orthogonalised twice against all earlier ones, so the Ritz values
 * have no spurious copies. When the Krylov space becomes invariant, the iteration continues from a new random
 * vector orthogonal to it, so repeated eigenvalues are found with their multiplicity.
 */
export async function lanczosTopK(matvec: SymmetricMatVec, n: number, k: number, options: LanczosOptions = {}): Promise<LanczosResult> {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`lanczosTopK: n ${n} is invalid: use a positive integer.`);
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > n) {
    throw new Error(`lanczosTopK: k ${k} is invalid: use an integer in [1, n = ${n}].`);
  }
  const maxIterations = Math.min(n, options.maxIterations ?? 3 * k + 60);
  if (!Number.isSafeInteger(maxIterations) || maxIterations < k) {
    throw new Error(`lanczosTopK: maxIterations ${options.maxIterations} is invalid: use an integer >= k = ${k}.`);
  }
  const tolerance = options.tolerance ?? 1e-6;
  const random = RandomStream.fromSeed(options.seed ?? 0, 'lanczos-start');

  const basis = new Float64Array(maxIterations * n);
  const alpha = new Float64Array(maxIterations);
  const beta = new Float64Array(maxIterations);
  let next = randomOrthogonalUnit(basis, 0, n, random);
  let m = 0;
  let ritz: Ritz | undefined;

  while (m < maxIterations) {
    // q_m = next; w = A q_m − β_{m−1} q_{m−1} − α_m q_m, then full reorthogonalisation.
    const q = basis.subarray(m * n, (m + 1) * n);
    q.set(next);
    const product = await matvec(q);
    if (product.length !== n) {
      throw new Error(`lanczosTopK: matvec returned ${product.length} values; it must return n = ${n}.`);
    }
    const w = Float64Array.from(product);
    alpha[m] = dot(w, q);
    m++;
    options.onIteration?.(m);
    orthogonalise(w, basis, m, n);
    orthogonalise(w, basis, m, n);
    const length = Math.sqrt(dot(w, w));

    // An invariant Krylov space (tiny β) restarts from a random vector orthogonal to it, with β = 0.
    const scaleOfT = Math.max(Math.abs(alpha[m - 1]), m > 1 ? beta[m - 2] : 0, Number.MIN_VALUE);
    const invariant = length <= 1e-10 * scaleOfT;
    beta[m - 1] = invariant ? 0 : length;
    if (m < maxIterations) {
      next = invariant ? randomOrthogonalUnit(basis, m, n, random) : w.map((value) => value / length);
    }

    if (m >= k && (m % CHECK_INTERVAL === 0 || m === maxIterations || m === n)) {
      ritz = ritzPairs(alpha, beta, m, k);
      const largest = Math.max(Math.abs(ritz.values[0]), Math.abs(ritz.values[k - 1]), Number.MIN_VALUE);
      if (ritz.residuals.every((residual) => residual <= tolerance * largest)) break;
    }
  }

  ritz ??= ritzPairs(alpha, beta, m, k);
  const eigenvectors = new Float64Array(k * n);
  for (let i = 0; i < k; i++) {
    const target = eigenvectors.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < m; j++) {
      const coefficient = ritz.vectors[i * m + j];
      const q = j * n;
      for (let l = 0; l < n; l++) target[l] += coefficient * basis[q + l];
    }
  }
  fixSigns(eigenvectors, n);
  const largest = Math.max(Math.abs(ritz.values[0]), Math.abs(ritz.values[k - 1]), Number.MIN_VALUE);
  return {
    eigenvalues: ritz.values,
    eigenvectors,
    residuals: ritz.residuals,
    iterations: m,
    converged: ritz.residuals.every((residual) => residual <= tolerance * largest),
  };
}

interface Ritz {
  /** k largest Ritz values, decreasing. */
  values: Float64Array;
  /** k×m row-major coefficients of the Ritz vectors in the Lanczos basis. */
  vectors: Float64Array;
  residuals: Float64Array;
}

function ritzPairs(alpha: Float64Array, beta: Float64Array, m: number, k: number): Ritz {
  const { eigenvalues, eigenvectors } = tridiagonalEigen(alpha.slice(0, m), beta.slice(0, m - 1));
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * m);
  const residuals = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const index = m - 1 - i;
    values[i] = eigenvalues[index];
    vectors.set(eigenvectors.subarray(index * m, (index + 1) * m), i * m);
    // ‖A x − θx‖ = |β_m · (last component of the T_m eigenvector)|.
    residuals[i] = Math.abs(beta[m - 1] * eigenvectors[index * m + m - 1]);
  }
  return { values, vectors, residuals };
}

/** w ← w − Σ_j ⟨w, q_j⟩q_j over the first `count` rows of `basis` (classical Gram-Schmidt, one pass). */
function orthogonalise(w: Float64Array, basis: Float64Array, count: number, n: number): void {
  const coefficients = new Float64Array(count);
  for (let j = 0; j < count; j++) coefficients[j] = dot(w, basis.subarray(j * n, (j + 1) * n));
  for (let j = 0; j < count; j++) {
    const coefficient = coefficients[j];
    const q = j * n;
    for (let l = 0; l < n; l++) w[l] -= coefficient * basis[q + l];
  }
}

/** Returns a random unit vector orthogonal to the first `count` rows of `basis`. */
function randomOrthogonalUnit(basis: Float64Array, count: number, n: number, random: RandomStream): Float64Array {
  for (let attempt = 0; attempt < 10; attempt++) {
    const v = new Float64Array(n);
    random.fillNormal(v, 0, 1);
    orthogonalise(v, basis, count, n);
    orthogonalise(v, basis, count, n);
    const length = Math.sqrt(dot(v, v));
    if (length > 1e-8) return v.map((value) => value / length);
  }
  throw new Error(`lanczosTopK: no vector orthogonal to ${count} Lanczos vectors in R^${n} was found.`);
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
