// Comparison of subspaces of R^d: principal angles (Björck & Golub, "Numerical methods for computing angles
// between linear subspaces", 1973) between a known tangent space and the top Jacobian eigenvectors, and the
// share of a set of vectors' energy outside a subspace.
import { symmetricEigen } from './symmetric-eigen';

/**
 * Returns the principal angles in radians (ascending, min(p, q) of them) between span(basisA) and
 * span(basisB), where each basis is a row-major set of p (resp. q) vectors of length d. The rows need not be
 * orthonormal but must be linearly independent. Angles come from cos θ = singular values of QaQbᵀ, so angles
 * below about 1e-8 read as 0.
 */
export function principalAngles(basisA: ArrayLike<number>, basisB: ArrayLike<number>, d: number): Float64Array {
  const qa = orthonormalRows(basisA, d, 'basisA');
  const qb = orthonormalRows(basisB, d, 'basisB');
  const p = qa.length / d;
  const q = qb.length / d;

  // Singular values of M = Qa Qbᵀ (p×q) are the square roots of the eigenvalues of M Mᵀ or MᵀM, the smaller one.
  const small = Math.min(p, q);
  const [rowsSmall, rowsLarge] = p <= q ? [qa, qb] : [qb, qa];
  const large = Math.max(p, q);
  const m = new Float64Array(small * large);
  for (let i = 0; i < small; i++) {
    for (let j = 0; j < large; j++) m[i * large + j] = dotRows(rowsSmall, i, rowsLarge, j, d);
  }
  const gram = new Float64Array(small * small);
  for (let i = 0; i < small; i++) {
    for (let j = 0; j < small; j++) gram[i * small + j] = dotRows(m, i, m, j, large);
  }
  const { eigenvalues } = symmetricEigen(gram, small);
  return eigenvalues.map((value) => Math.acos(Math.min(1, Math.sqrt(Math.max(0, value)))));
}

/**
 * Returns Σ_i w_i‖(I − P)v_i‖² / Σ_i w_i‖v_i‖² for the rows v_i of `vectors` (length d each), P the orthogonal
 * projector onto span(basis rows) and weights w_i (default 1). With the rows of a Jacobian A this is
 * ‖A(I − P)‖²_F / ‖A‖²_F; with eigenvectors e_k and weights λ_k² it is the same ratio for Σ λ_k e_k e_kᵀ.
 */
export function energyOutsideSubspace(vectors: ArrayLike<number>, basis: ArrayLike<number>, d: number, weights?: ArrayLike<number>): number {
  const q = orthonormalRows(basis, d, 'basis');
  const count = vectors.length / d;
  if (!Number.isInteger(count)) {
    throw new Error(`energyOutsideSubspace: vectors has ${vectors.length} values, not a multiple of d = ${d}.`);
  }
  if (weights !== undefined && weights.length !== count) {
    throw new Error(`energyOutsideSubspace: ${weights.length} weights for ${count} vectors; pass one weight per vector.`);
  }
  const basisCount = q.length / d;
  let outside = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const weight = weights === undefined ? 1 : weights[i];
    let squared = 0;
    for (let l = 0; l < d; l++) squared += vectors[i * d + l] ** 2;
    let projected = 0;
    for (let j = 0; j < basisCount; j++) {
      let coefficient = 0;
      for (let l = 0; l < d; l++) coefficient += vectors[i * d + l] * q[j * d + l];
      projected += coefficient * coefficient;
    }
    outside += weight * Math.max(0, squared - projected);
    total += weight * squared;
  }
  return total > 0 ? outside / total : 0;
}

/** Returns an orthonormal basis (rows) of span(rows) by modified Gram-Schmidt applied twice. */
function orthonormalRows(rows: ArrayLike<number>, d: number, name: string): Float64Array {
  if (!Number.isSafeInteger(d) || d < 1) {
    throw new Error(`${name}: dimension d ${d} is invalid: use a positive integer.`);
  }
  const count = rows.length / d;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`${name} has ${rows.length} values; pass one or more rows of length d = ${d}.`);
  }
  const q = Float64Array.from(rows);
  for (let i = 0; i < count; i++) {
    const original = Math.sqrt(dotRows(q, i, q, i, d));
    if (!Number.isFinite(original) || original === 0) {
      throw new Error(`${name}: row ${i} is ${original === 0 ? 'zero' : 'not finite (NaN or infinite values)'}; pass nonzero finite vectors.`);
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const coefficient = dotRows(q, i, q, j, d);
        for (let l = 0; l < d; l++) q[i * d + l] -= coefficient * q[j * d + l];
      }
    }
    const length = Math.sqrt(dotRows(q, i, q, i, d));
    if (!(length > 1e-10 * original)) {
      throw new Error(`${name}: row ${i} is linearly dependent on the rows before it; pass independent vectors.`);
    }
    for (let l = 0; l < d; l++) q[i * d + l] /= length;
  }
  return q;
}

function dotRows(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let sum = 0;
  for (let l = 0; l < d; l++) sum += a[i * d + l] * b[j * d + l];
  return sum;
}
