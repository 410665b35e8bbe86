// Dense symmetric eigendecomposition: Householder reduction to tridiagonal form (Golub & Van Loan, "Matrix
// Computations", 4th ed., chapter 8), eigenpairs of the tridiagonal matrix (./tridiagonal-eigen), and
// back-transformation of the eigenvectors by the stored reflectors. The two O(n³) stages run in a WebAssembly
// SIMD kernel (./eigen-kernels) when the runtime supports it, and in the JavaScript loops below otherwise.
import os from 'node:os';
import { startProgress, type Progress } from '@gahb/core';
import { EigenKernelSession, eigenKernelUnavailableReason } from './eigen-kernels';
import { tridiagonalEigen, tridiagonalEigenvalues } from './tridiagonal-eigen';

/** Eigenpairs of a symmetric matrix. */
export interface SymmetricEigenResult {
  /** Eigenvalues in decreasing order, length n. */
  eigenvalues: Float64Array;
  /**
   * n×n row-major, row k = unit eigenvector e_k of eigenvalues[k] (empty when `eigenvectors: false`). Sign convention: the entry of largest
   * magnitude in each eigenvector is positive (the first such entry when several tie).
   */
  eigenvectors: Float64Array;
}

/** Options of {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /** Seed of the start vectors of the tridiagonal inverse iteration. Default 0. */
  seed?: number;
  /**
   * Whether to compute the eigenvectors. Default true. With false only the reduction and the tridiagonal
   * eigenvalues run (about (4/3)n³ flops instead of (4/3 + 2)n³), and `eigenvectors` is empty.
   */
  eigenvectors?: boolean;
  /**
   * Code for the two O(n³) stages. 'auto' (default) uses the WebAssembly SIMD kernel
   * (native/eigen-kernels.wasm) when the runtime supports it and the matrices fit in wasm32 memory (about
   * 2.5n² doubles, so n up to about 14 600), and JavaScript otherwise. 'wasm' throws when the kernel cannot
   * run, and 'javascript' always uses the JavaScript loops. The eigenpairs of the two agree to rounding, not
   * bit for bit.
   */
  implementation?: 'auto' | 'wasm' | 'javascript';
  /**
   * Threads of the WebAssembly back-transformation (the eigenvectors), 1 or 2. With 2, a worker thread
   * shares the eigenvector rows with the calling thread, which blocks until both are done. The result is
   * bit-identical. Default 2 on machines with 2 or more cores (os.availableParallelism), else 1. On an idle
   * 2-core machine, 2 threads took 0.86 s against 1.14 s for n = 1600; at load average 3.9 to 4.8 they
   * changed the time by −6% to +10% (bench/linalg-eigen.mjs). The JavaScript path always uses one thread.
   */
  threads?: 1 | 2;
}

// Matrices of at least this size log the progress of the two O(n³) stages (n = 1024 takes about 1 s at the
// 2.9 GFLOP/s measured for n = 1600 on one idle core, an estimate).
const PROGRESS_MIN_SIZE = 1024;

// Below this size `threads: 2` runs on one thread, because reaching the worker costs about as much as it
// saves (an estimate: the whole back-transformation of n = 512 takes about 0.05 s).
const WORKER_MIN_SIZE = 512;

// Reflectors applied together to the eigenvector rows; 16 reflectors of length 6400 take 800 KB, which stays in L2.
const REFLECTOR_BLOCK = 16;

/**
 * Computes all eigenvalues (decreasing) and unit eigenvectors (rows) of the n×n row-major matrix `matrix`,
 * symmetrised as (M + Mᵀ)/2, so a non-symmetric Jacobian A gives the eigenpairs of (A + Aᵀ)/2.
 * `matrix` is not changed. Cost: about (4/3)n³ flops for the reduction and 2n³ for the eigenvectors.
 */
export function symmetricEigen(matrix: Float64Array | Float32Array, n: number, options: SymmetricEigenOptions = {}): SymmetricEigenResult {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`symmetricEigen: n ${n} is invalid: use a positive integer.`);
  }
  if (matrix.length !== n * n) {
    throw new Error(`symmetricEigen: matrix has ${matrix.length} entries but n = ${n} needs n² = ${n * n}.`);
  }

  const implementation = options.implementation ?? 'auto';
  if (implementation !== 'auto' && implementation !== 'wasm' && implementation !== 'javascript') {
    throw new Error(`symmetricEigen: implementation '${String(implementation)}' is invalid: use 'auto', 'wasm' or 'javascript'.`);
  }
  const threads = options.threads ?? (os.availableParallelism() >= 2 ? 2 : 1);
  if (threads !== 1 && threads !== 2) {
    throw new Error(`symmetricEigen: threads ${String(threads)} is invalid: use 1 or 2.`);
  }
  const kernel = implementation === 'javascript' ? undefined : EigenKernelSession.create(n, options.eigenvectors !== false);
  if (implementation === 'wasm' && kernel === undefined) {
    const reason = eigenKernelUnavailableReason() ?? `n = ${n} needs more than the 4 GiB of wasm32 memory`;
    throw new Error(`symmetricEigen: the WebAssembly kernel cannot run (${reason}); use implementation 'auto' or 'javascript'.`);
  }

  const reduction = n >= PROGRESS_MIN_SIZE ? startProgress({ label: `eigen ${n}x${n}: tridiagonal reduction`, total: n - 2, unit: 'columns' }) : undefined;
  let work: Float64Array;
  let tridiagonal: { diagonal: Float64Array; offDiagonal: Float64Array; betas: Float64Array };
  if (kernel) {
    work = kernel.matrix;
    symmetrisedUpper(matrix, n, work);
    tridiagonal = kernel.tridiagonalise((steps) => reduction?.tick(steps));
  } else {
    work = new Float64Array(n * n);
    symmetrisedUpper(matrix, n, work);
    tridiagonal = householderTridiagonalise(work, n, reduction);
  }
  reduction?.done();
  const { diagonal, offDiagonal, betas } = tridiagonal;
  if (options.eigenvectors === false) {
    return { eigenvalues: tridiagonalEigenvalues(diagonal, offDiagonal).reverse(), eigenvectors: new Float64Array(0) };
  }
  const { eigenvalues: ascending, eigenvectors } = tridiagonalEigen(diagonal, offDiagonal, options.seed ?? 0);

  reverseRows(eigenvectors, n);
  const eigenvalues = ascending.reverse();
  if (kernel) {
    // Progress counts the rows done on this thread, so with a worker it ends below n.
    const backTransform = n >= PROGRESS_MIN_SIZE ? startProgress({ label: `eigen ${n}x${n}: eigenvectors`, total: n, unit: 'rows' }) : undefined;
    kernel.backTransform(eigenvectors, threads === 2 && n >= WORKER_MIN_SIZE, (rows) => backTransform?.tick(rows));
    backTransform?.done();
  } else {
    const backTransform = n >= PROGRESS_MIN_SIZE ? startProgress({ label: `eigen ${n}x${n}: eigenvectors`, total: n - 2, unit: 'reflectors' }) : undefined;
    applyReflectors(work, betas, eigenvectors, n, backTransform);
    backTransform?.done();
  }
  fixSigns(eigenvectors, n);
  return { eigenvalues, eigenvectors };
}

/** Writes (M + Mᵀ)/2 into the upper triangle (j ≥ i) of the row-major n×n `work`; the lower triangle is unused. */
function symmetrisedUpper(matrix: Float64Array | Float32Array, n: number, work: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
      if (!Number.isFinite(value)) {
        throw new Error(`symmetricEigen: entry (${i}, ${j}) is ${value}; the matrix must be finite.`);
      }
      work[i * n + j] = value;
    }
  }
}

/**
 * Reduces the symmetric matrix stored in the upper triangle of `a` to tridiagonal form T = QᵀAQ with
 * Q = H_0 H_1 … H_{n−3}, H_k = I − β_k v_k v_kᵀ acting on indices k+1…n−1. Row k of `a` keeps v_k in its
 * entries k+1…n−1.
 *
 * Each step updates the trailing matrix as B ← B − v wᵀ − w vᵀ with w = p − (β/2)(pᵀv)v and p = βBv. The
 * update of step k and the product B′v′ needed by step k + 1 run in one pass over the trailing upper
 * triangle, so the matrix is read once per step.
 */
function householderTridiagonalise(a: Float64Array, n: number, progress?: Progress): { diagonal: Float64Array; offDiagonal: Float64Array; betas: Float64Array } {
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(Math.max(n - 1, 0));
  const betas = new Float64Array(n);
  let p = new Float64Array(n);
  let nextP = new Float64Array(n);
  const w = new Float64Array(n);

  if (n >= 3) {
    offDiagonal[0] = makeReflector(a, n, 0, betas);
    upperMatVec(a, n, 1, 0, p);
  }

  for (let k = 0; k < n - 2; k++) {
    diagonal[k] = a[k * n + k];
    const v = k * n;
    const beta = betas[k];

    // w = p − (β/2)(pᵀv)v with p = βBv (indices k+1…n−1).
    let pv = 0;
    for (let j = k + 1; j < n; j++) {
      p[j] *= beta;
      pv += p[j] * a[v + j];
    }
    const half = 0.5 * beta * pv;
    for (let j = k + 1; j < n; j++) w[j] = p[j] - half * a[v + j];

    // Update row k + 1 first, because it contains the next column to reduce.
    const first = k + 1;
    updateRow(a, n, first, v, w);
    const hasNext = first < n - 2;
    if (hasNext) offDiagonal[first] = makeReflector(a, n, first, betas);

    // Update rows k+2…n−1 and accumulate B′v′ for the next step in the same pass, two rows at a time so that
    // they share the loads of w, v, v′ and B′v′.
    nextP.fill(0, first + 1);
    const nextV = first * n;
    let i = first + 1;
    if (hasNext) {
      for (; i + 1 < n; i += 2) updateTwoRowsFused(a, n, i, v, w, nextV, nextP);
    }
    for (; i < n; i++) {
      const row = i * n;
      const vi = a[v + i];
      const wi = w[i];
      if (!hasNext) {
        for (let j = i; j < n; j++) a[row + j] -= vi * w[j] + wi * a[v + j];
        continue;
      }
      const nextVi = a[nextV + i];
      a[row + i] -= 2 * vi * wi;
      let sum = a[row + i] * nextVi;
      for (let j = i + 1; j < n; j++) {
        const value = a[row + j] - vi * w[j] - wi * a[v + j];
        a[row + j] = value;
        sum += value * a[nextV + j];
        nextP[j] += value * nextVi;
      }
      nextP[i] += sum;
    }
    [p, nextP] = [nextP, p];
    progress?.tick();
  }

  if (n >= 2) {
    diagonal[n - 2] = a[(n - 2) * n + n - 2];
    offDiagonal[n - 2] = a[(n - 2) * n + n - 1];
  }
  diagonal[n - 1] = a[(n - 1) * n + n - 1];
  return { diagonal, offDiagonal, betas };
}

/**
 * Replaces x = row k, entries k+1…n−1, by the Householder vector v with (I − βvvᵀ)x = αe₁, stores β in
 * betas[k] and returns α. When x is already a multiple of e₁, β = 0 and α = x₀.
 */
function makeReflector(a: Float64Array, n: number, k: number, betas: Float64Array): number {
  const start = k * n + k + 1;
  const end = k * n + n;
  const x0 = a[start];
  let tailSquared = 0;
  for (let j = start + 1; j < end; j++) tailSquared += a[j] * a[j];
  if (tailSquared === 0) {
    betas[k] = 0;
    return x0;
  }

  // α = −sign(x₀)‖x‖ avoids cancellation in v₀ = x₀ − α.
  const alpha = x0 >= 0 ? -Math.sqrt(x0 * x0 + tailSquared) : Math.sqrt(x0 * x0 + tailSquared);
  const v0 = x0 - alpha;
  a[start] = v0;
  betas[k] = 2 / (v0 * v0 + tailSquared);
  return alpha;
}

/** p[first…n−1] = B v for the trailing matrix B (rows and columns first…n−1, upper triangle) and v in row `vectorRow`. */
function upperMatVec(a: Float64Array, n: number, first: number, vectorRow: number, p: Float64Array): void {
  const v = vectorRow * n;
  p.fill(0);
  for (let i = first; i < n; i++) {
    const row = i * n;
    const vi = a[v + i];
    let sum = a[row + i] * vi;
    for (let j = i + 1; j < n; j++) {
      sum += a[row + j] * a[v + j];
      p[j] += a[row + j] * vi;
    }
    p[i] += sum;
  }
}

/**
 * Rows i and i + 1 (upper triangle) ← row − v_r w − w_r v, and nextP += B′v′ restricted to those rows, where
 * v and v′ are stored in `a` from offsets v and nextV.
 */
function updateTwoRowsFused(a: Float64Array, n: number, i: number, v: number, w: Float64Array, nextV: number, nextP: Float64Array): void {
  const rowA = i * n;
  const rowB = rowA + n;
  const vA = a[v + i];
  const wA = w[i];
  const nA = a[nextV + i];
  const vB = a[v + i + 1];
  const wB = w[i + 1];
  const nB = a[nextV + i + 1];

  // Diagonal of row i, entry (i, i + 1), and diagonal of row i + 1.
  a[rowA + i] -= 2 * vA * wA;
  let sumA = a[rowA + i] * nA;
  const corner = a[rowA + i + 1] - vA * w[i + 1] - wA * vB;
  a[rowA + i + 1] = corner;
  sumA += corner * nB;
  let pNext = nextP[i + 1] + corner * nA;
  a[rowB + i + 1] -= 2 * vB * wB;
  let sumB = a[rowB + i + 1] * nB;

  for (let j = i + 2; j < n; j++) {
    const wj = w[j];
    const vj = a[v + j];
    const nj = a[nextV + j];
    const valueA = a[rowA + j] - vA * wj - wA * vj;
    const valueB = a[rowB + j] - vB * wj - wB * vj;
    a[rowA + j] = valueA;
    a[rowB + j] = valueB;
    sumA += valueA * nj;
    sumB += valueB * nj;
    nextP[j] += valueA * nA + valueB * nB;
  }
  nextP[i] += sumA;
  pNext += sumB;
  nextP[i + 1] = pNext;
}

/** Row i (entries j ≥ i) ← row − v_i w − w_i v, with v stored in `a` from offset v. */
function updateRow(a: Float64Array, n: number, i: number, v: number, w: Float64Array): void {
  const row = i * n;
  const vi = a[v + i];
  const wi = w[i];
  for (let j = i; j < n; j++) a[row + j] -= vi * w[j] + wi * a[v + j];
}

/**
 * Maps tridiagonal eigenvectors t (rows of `vectors`) to eigenvectors Qt = H_0(H_1(…H_{n−3}t)) of the original
 * matrix. Reflectors are taken in blocks of REFLECTOR_BLOCK so that a block stays in cache while every row
 * passes through it, and four rows share each load of a reflector entry.
 */
function applyReflectors(a: Float64Array, betas: Float64Array, vectors: Float64Array, n: number, progress?: Progress): void {
  for (let blockEnd = n - 3; blockEnd >= 0; blockEnd -= REFLECTOR_BLOCK) {
    const blockStart = Math.max(0, blockEnd - REFLECTOR_BLOCK + 1);
    let row = 0;
    for (; row + 4 <= n; row += 4) {
      applyReflectorBlockToFourRows(a, betas, blockStart, blockEnd, vectors, row, n);
    }
    for (; row < n; row++) {
      for (let k = blockEnd; k >= blockStart; k--) applyReflectorToRow(a, betas[k], k, vectors, row, n);
    }
    progress?.tick(blockEnd - blockStart + 1);
  }
}

/**
 * Applies reflectors blockEnd, blockEnd − 1, …, blockStart to rows row…row+3 of z. The update by reflector k
 * and the dot products with reflector k − 1 share one pass over the rows, so each row is read once per
 * reflector instead of twice.
 */
function applyReflectorBlockToFourRows(
  a: Float64Array,
  betas: Float64Array,
  blockStart: number,
  blockEnd: number,
  z: Float64Array,
  row: number,
  n: number,
): void {
  const z0 = row * n;
  const z1 = z0 + n;
  const z2 = z1 + n;
  const z3 = z2 + n;

  // Dot products with the first reflector of the block.
  let v = blockEnd * n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let j = blockEnd + 1; j < n; j++) {
    const vj = a[v + j];
    s0 += vj * z[z0 + j];
    s1 += vj * z[z1 + j];
    s2 += vj * z[z2 + j];
    s3 += vj * z[z3 + j];
  }

  for (let k = blockEnd; k >= blockStart; k--) {
    const beta = betas[k];
    s0 *= beta;
    s1 *= beta;
    s2 *= beta;
    s3 *= beta;
    v = k * n;
    if (k === blockStart) {
      for (let j = k + 1; j < n; j++) {
        const vj = a[v + j];
        z[z0 + j] -= s0 * vj;
        z[z1 + j] -= s1 * vj;
        z[z2 + j] -= s2 * vj;
        z[z3 + j] -= s3 * vj;
      }
      return;
    }

    // Update by reflector k (entries k+1…n−1) fused with the dot products with reflector k − 1 (entries k…n−1).
    const previous = (k - 1) * n;
    const pk = a[previous + k];
    let t0 = pk * z[z0 + k];
    let t1 = pk * z[z1 + k];
    let t2 = pk * z[z2 + k];
    let t3 = pk * z[z3 + k];
    for (let j = k + 1; j < n; j++) {
      const vj = a[v + j];
      const pj = a[previous + j];
      const w0 = z[z0 + j] - s0 * vj;
      const w1 = z[z1 + j] - s1 * vj;
      const w2 = z[z2 + j] - s2 * vj;
      const w3 = z[z3 + j] - s3 * vj;
      z[z0 + j] = w0;
      z[z1 + j] = w1;
      z[z2 + j] = w2;
      z[z3 + j] = w3;
      t0 += pj * w0;
      t1 += pj * w1;
      t2 += pj * w2;
      t3 += pj * w3;
    }
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
}

function applyReflectorToRow(a: Float64Array, beta: number, k: number, z: Float64Array, row: number, n: number): void {
  if (beta === 0) return;
  const v = k * n;
  const z0 = row * n;
  let s = 0;
  for (let j = k + 1; j < n; j++) s += a[v + j] * z[z0 + j];
  s *= beta;
  for (let j = k + 1; j < n; j++) z[z0 + j] -= s * a[v + j];
}

function reverseRows(vectors: Float64Array, n: number): void {
  const buffer = new Float64Array(n);
  for (let top = 0, bottom = n - 1; top < bottom; top++, bottom--) {
    buffer.set(vectors.subarray(top * n, top * n + n));
    vectors.copyWithin(top * n, bottom * n, bottom * n + n);
    vectors.set(buffer, bottom * n);
  }
}

/** Flips each row so that its entry of largest magnitude (the first on ties) is positive. */
export function fixSigns(vectors: Float64Array, n: number): void {
  const count = vectors.length / n;
  for (let k = 0; k < count; k++) {
    const row = k * n;
    let largest = 0;
    let sign = 1;
    for (let j = 0; j < n; j++) {
      const value = vectors[row + j];
      if (Math.abs(value) > largest) {
        largest = Math.abs(value);
        sign = value < 0 ? -1 : 1;
      }
    }
    if (sign < 0) {
      for (let j = 0; j < n; j++) vectors[row + j] = -vectors[row + j];
    }
  }
}

/**
 * Returns the singular values (decreasing) of the n×n row-major matrix A as the square roots of the
 * eigenvalues of AᵀA. NOTE: forming AᵀA squares the condition number, so singular values below about
 * 1e-8·s_max have no correct digits; the large ones, and Σ s_k² = ‖A‖²_F, are accurate.
 */
export function singularValues(matrix: Float64Array | Float32Array, n: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new Error(`singularValues: matrix has ${matrix.length} entries but n = ${n} needs n² = ${n * n}; pass a square matrix.`);
  }

  // AᵀA = Σ_i a_i a_iᵀ over the rows a_i of A, accumulated in the upper triangle and mirrored.
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const aij = matrix[row + j];
      if (aij === 0) continue;
      const target = j * n;
      for (let l = j; l < n; l++) gram[target + l] += aij * matrix[row + l];
    }
  }
  for (let j = 0; j < n; j++) {
    for (let l = j + 1; l < n; l++) gram[l * n + j] = gram[j * n + l];
  }

  const { eigenvalues } = symmetricEigen(gram, n, { eigenvectors: false });
  return eigenvalues.map((value) => Math.sqrt(Math.max(0, value)));
}
