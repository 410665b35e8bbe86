// Eigenvalues and eigenvectors of a real symmetric tridiagonal matrix (Golub & Van Loan, "Matrix Computations",
// 4th ed., chapter 8). Eigenvalues come from the implicit QL algorithm with Wilkinson shifts. Eigenvectors come
// from inverse iteration, with Gram-Schmidt reorthogonalisation inside clusters of close eigenvalues.
import { RandomStream } from '@gahb/core';

/** Eigenpairs of a tridiagonal matrix, eigenvalues in ascending order. */
export interface TridiagonalEigenResult {
  /** Ascending eigenvalues, length n. */
  eigenvalues: Float64Array;
  /** n×n row-major, row k = unit eigenvector of eigenvalue k. */
  eigenvectors: Float64Array;
}

const EPSILON = 2 ** -52;
const MAX_QL_ITERATIONS = 60;
const MAX_INVERSE_ITERATIONS = 6;

/**
 * Computes all eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `diagonal` (length n)
 * and off-diagonal `offDiagonal` (length n − 1, entry i couples rows i and i + 1). The inputs are not changed.
 * An off-diagonal entry is treated as zero when it is below ε(|d_i| + |d_{i+1}|) or below `absoluteTolerance`
 * (default ε‖T‖∞), so each eigenvalue is accurate to about ε‖T‖.
 */
export function tridiagonalEigenvalues(
  diagonal: Float64Array,
  offDiagonal: Float64Array,
  absoluteTolerance = EPSILON * tridiagonalNorm(diagonal, offDiagonal),
): Float64Array {
  const n = diagonal.length;
  const d = Float64Array.from(diagonal);
  // e[i] couples i and i + 1; e[n − 1] = 0 is a sentinel for the split search.
  const e = new Float64Array(n);
  e.set(offDiagonal.subarray(0, Math.max(n - 1, 0)));

  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      // Find the first negligible off-diagonal entry at or after l: the block l..m is unreduced.
      let m = l;
      while (m < n - 1 && !negligible(e[m], d[m], d[m + 1], absoluteTolerance)) m++;
      if (m === l) break;
      if (++iterations > MAX_QL_ITERATIONS) {
        throw new Error(`tridiagonalEigenvalues: the QL iteration did not converge for eigenvalue ${l} in ${MAX_QL_ITERATIONS} steps.`);
      }

      // Wilkinson shift from the leading 2×2 block, then one implicit QL sweep from m up to l.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Deflation by underflow: the sweep stops and the block splits at i + 1.
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort();
}

/**
 * Computes all eigenpairs of the symmetric tridiagonal matrix (diagonal, offDiagonal). The matrix is split
 * where an off-diagonal entry is negligible, so eigenvectors of decoupled blocks are exactly zero outside
 * their block. `seed` fixes the start vectors of the inverse iteration.
 */
export function tridiagonalEigen(diagonal: Float64Array, offDiagonal: Float64Array, seed = 0): TridiagonalEigenResult {
  const n = diagonal.length;
  const random = RandomStream.fromSeed(seed, 'tridiagonal-inverse-iteration');
  const norm = tridiagonalNorm(diagonal, offDiagonal);
  const absoluteTolerance = EPSILON * norm;

  // Eigenpairs of each unreduced block, in block-local coordinates.
  const blocks: { start: number; values: Float64Array; vectors: Float64Array }[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const splits = i === n - 1 || negligible(offDiagonal[i], diagonal[i], diagonal[i + 1], absoluteTolerance);
    if (!splits) continue;
    const blockDiagonal = diagonal.subarray(start, i + 1);
    const blockOffDiagonal = offDiagonal.subarray(start, i);
    const values = tridiagonalEigenvalues(blockDiagonal, blockOffDiagonal, absoluteTolerance);
    blocks.push({ start, values, vectors: blockEigenvectors(blockDiagonal, blockOffDiagonal, values, norm, random) });
    start = i + 1;
  }
  if (blocks.length === 1) {
    return { eigenvalues: blocks[0].values, eigenvectors: blocks[0].vectors };
  }

  // Merge the blocks: sort all eigenvalues and place each vector at its block's rows.
  const order: { value: number; block: number; index: number }[] = [];
  blocks.forEach((block, b) => block.values.forEach((value, index) => order.push({ value, block: b, index })));
  order.sort((a, b) => a.value - b.value);
  const eigenvalues = new Float64Array(n);
  const eigenvectors = new Float64Array(n * n);
  order.forEach(({ value, block: b, index }, k) => {
    const block = blocks[b];
    const size = block.values.length;
    eigenvalues[k] = value;
    eigenvectors.set(block.vectors.subarray(index * size, (index + 1) * size), k * n + block.start);
  });
  return { eigenvalues, eigenvectors };
}

/**
 * Inverse iteration on one unreduced block for its ascending eigenvalues `values`. Returns size×size
 * row-major eigenvectors. Vectors whose eigenvalues are closer than `clusterGap` are orthogonalised against
 * the earlier vectors of their cluster, and shifts closer than `minimumShiftGap` are pushed apart so that
 * the iterations of repeated eigenvalues start from different factorisations. Both gaps scale with `norm`,
 * ‖T‖ of the whole matrix, because the eigenvalues are only accurate to about ε‖T‖: a block whose own norm is
 * at rounding level must be treated as one cluster.
 */
function blockEigenvectors(d: Float64Array, e: Float64Array, values: Float64Array, norm: number, random: RandomStream): Float64Array {
  const size = d.length;
  const vectors = new Float64Array(size * size);
  if (size === 1) {
    vectors[0] = 1;
    return vectors;
  }

  // Inverse iteration gives eigenvectors accurate to about ε‖T‖/gap in angle, so pairs closer than 1e-5‖T‖
  // are reorthogonalised explicitly and the others stay orthogonal to about ε/1e-5 ≈ 2e-11.
  const clusterGap = 1e-5 * norm;
  const minimumShiftGap = 10 * EPSILON * norm;
  // The solution grows by at least this factor once the shift is within O(ε‖T‖) of an eigenvalue.
  const convergedGrowth = 1 / (Math.sqrt(size) * Math.max(minimumShiftGap, Number.MIN_VALUE) * 1e3);

  const factors = new TridiagonalLu(size);
  const startVectors = new StartVectorGenerator(random);
  let clusterStart = 0;
  let shift = 0;
  for (let k = 0; k < size; k++) {
    if (k > 0 && values[k] - values[k - 1] > clusterGap) clusterStart = k;
    shift = k === clusterStart ? values[k] : Math.max(values[k], shift + minimumShiftGap);
    factors.factor(d, e, shift, minimumShiftGap);

    const x = vectors.subarray(k * size, (k + 1) * size);
    startVectors.fill(x);
    normalise(x);

    let converged = 0;
    for (let iteration = 0; iteration < MAX_INVERSE_ITERATIONS && converged < 2; iteration++) {
      factors.solve(x);
      for (let j = clusterStart; j < k; j++) {
        subtractProjection(x, vectors.subarray(j * size, (j + 1) * size));
      }
      const growth = normalise(x);
      // One more solve after the growth test passes refines the direction.
      if (growth >= convergedGrowth || converged > 0) converged++;
    }
  }
  return vectors;
}

/**
 * Uniform draws from [−1, 1) for inverse-iteration start vectors, by the xoshiro128** generator seeded from
 * a RandomStream. It costs a few integer operations per draw, where RandomStream runs a Philox block for
 * every two draws. Start vectors need no more than 32 random bits per entry.
 */
class StartVectorGenerator {
  private readonly state = new Uint32Array(4);

  constructor(random: RandomStream) {
    for (let i = 0; i < 4; i++) this.state[i] = random.nextUint32();
    // The all-zero state is the generator's only fixed point.
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  fill(x: Float64Array): void {
    const state = this.state;
    let s0 = state[0];
    let s1 = state[1];
    let s2 = state[2];
    let s3 = state[3];
    for (let i = 0; i < x.length; i++) {
      const product = Math.imul(s1, 5);
      const output = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
      const shifted = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= shifted;
      s3 = (s3 << 11) | (s3 >>> 21);
      x[i] = output * 2 ** -31 - 1;
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = s2;
    state[3] = s3;
  }
}

/** LU factorisation with partial pivoting of T − shift·I for a tridiagonal T. */
class TridiagonalLu {
  private readonly upper0: Float64Array;
  private readonly upper1: Float64Array;
  private readonly upper2: Float64Array;
  private readonly lower: Float64Array;
  private readonly swapped: Uint8Array;
  private tinyPivot = 0;

  constructor(private readonly size: number) {
    this.upper0 = new Float64Array(size);
    this.upper1 = new Float64Array(size);
    this.upper2 = new Float64Array(size);
    this.lower = new Float64Array(size);
    this.swapped = new Uint8Array(size);
  }

  factor(d: Float64Array, e: Float64Array, shift: number, tinyPivot: number): void {
    const n = this.size;
    this.tinyPivot = tinyPivot;
    let diagonal = d[0] - shift;
    let superDiagonal = e[0];
    for (let i = 0; i < n - 1; i++) {
      const subDiagonal = e[i];
      const nextDiagonal = d[i + 1] - shift;
      const nextSuper = i + 1 < n - 1 ? e[i + 1] : 0;
      if (Math.abs(diagonal) >= Math.abs(subDiagonal)) {
        this.swapped[i] = 0;
        const multiplier = diagonal === 0 ? 0 : subDiagonal / diagonal;
        this.lower[i] = multiplier;
        this.upper0[i] = diagonal;
        this.upper1[i] = superDiagonal;
        this.upper2[i] = 0;
        diagonal = nextDiagonal - multiplier * superDiagonal;
        superDiagonal = nextSuper;
      } else {
        // Row swap: the sub-diagonal entry becomes the pivot.
        this.swapped[i] = 1;
        const multiplier = diagonal / subDiagonal;
        this.lower[i] = multiplier;
        this.upper0[i] = subDiagonal;
        this.upper1[i] = nextDiagonal;
        this.upper2[i] = nextSuper;
        diagonal = superDiagonal - multiplier * nextDiagonal;
        superDiagonal = -multiplier * nextSuper;
      }
    }
    this.upper0[n - 1] = diagonal;
    this.upper1[n - 1] = 0;
    this.upper2[n - 1] = 0;
  }

  /** Overwrites `x` with (T − shift·I)⁻¹x; zero or tiny pivots are replaced by ±tinyPivot. */
  solve(x: Float64Array): void {
    const n = this.size;
    for (let i = 0; i < n - 1; i++) {
      if (this.swapped[i]) {
        const next = x[i + 1];
        x[i + 1] = x[i] - this.lower[i] * next;
        x[i] = next;
      } else {
        x[i + 1] -= this.lower[i] * x[i];
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      let value = x[i];
      if (i + 1 < n) value -= this.upper1[i] * x[i + 1];
      if (i + 2 < n) value -= this.upper2[i] * x[i + 2];
      let pivot = this.upper0[i];
      if (Math.abs(pivot) < this.tinyPivot) pivot = pivot < 0 ? -this.tinyPivot : this.tinyPivot;
      x[i] = value / pivot;
    }
  }
}

/**
 * Returns whether the off-diagonal entry e between diagonal entries a and b can be set to zero: relative to
 * its neighbours (which keeps small eigenvalues of graded matrices accurate), or absolutely. Without the
 * absolute test, a cluster of eigenvalues at rounding level (e.g. the zero eigenvalues of a singular matrix)
 * can keep the QL iteration from converging.
 */
function negligible(e: number, a: number, b: number, absoluteTolerance: number): boolean {
  const size = Math.abs(e);
  return size <= EPSILON * (Math.abs(a) + Math.abs(b)) || size <= absoluteTolerance;
}

/**
 * Returns √(a² + b²) without overflow or harmful underflow. Faster than Math.hypot in V8 (Node 20), which
 * handles any number of arguments; the QL sweeps call it about 2n² times.
 */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const larger = x > y ? x : y;
  if (larger > 1e-150 && larger < 1e150) return Math.sqrt(a * a + b * b);
  if (larger === 0 || larger === Infinity) return larger;
  const ratio = (x > y ? y : x) / larger;
  return larger * Math.sqrt(1 + ratio * ratio);
}

/** Returns ‖T‖∞, the largest absolute row sum of the tridiagonal matrix. */
function tridiagonalNorm(d: Float64Array, e: Float64Array): number {
  let norm = 0;
  for (let i = 0; i < d.length; i++) {
    norm = Math.max(norm, Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < d.length - 1 ? Math.abs(e[i]) : 0));
  }
  return norm;
}

/** Scales `x` to unit length and returns its previous length. */
function normalise(x: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  const length = Math.sqrt(sum);
  const scale = length > 0 ? 1 / length : 0;
  for (let i = 0; i < x.length; i++) x[i] *= scale;
  return length;
}

/** x ← x − ⟨x, unit⟩·unit for a unit vector `unit`. */
function subtractProjection(x: Float64Array, unit: Float64Array): void {
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += x[i] * unit[i];
  for (let i = 0; i < x.length; i++) x[i] -= dot * unit[i];
}
