/**
 * Eigendecomposition of a small real symmetric matrix by the cyclic Jacobi method (Golub & Van Loan,
 * "Matrix Computations", 4th ed., §8.5): plane rotations zero each off-diagonal entry in turn until the
 * off-diagonal Frobenius norm falls below 1e-14 times the matrix's norm. O(d³) per sweep, meant for d up
 * to a few hundred (the Wiener denoiser's prior covariance).
 */

/** Eigenvalues in decreasing order and the matching unit eigenvectors. */
export interface SymmetricEigen {
  /** Eigenvalues λ_1 ≥ … ≥ λ_d. */
  eigenvalues: Float64Array;
  /** d×d row-major; column k is the eigenvector of eigenvalues[k], so A = V diag(λ) Vᵀ. */
  eigenvectors: Float64Array;
}

const maxSweeps = 100;

/** Decomposes the symmetric d×d row-major matrix `matrix` (not modified); asymmetry above 1e-8·‖A‖ is an error. */
export function symmetricEigen(matrix: Float64Array, d: number): SymmetricEigen {
  if (matrix.length !== d * d) {
    throw new Error(`symmetricEigen: matrix has ${matrix.length} entries but d = ${d} needs ${d * d}.`);
  }
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    v[i * d + i] = 1;
  }

  let norm = 0;
  for (let i = 0; i < d * d; i++) {
    if (!Number.isFinite(a[i])) {
      throw new Error(`symmetricEigen: entry ${i} is ${a[i]}; the matrix must be finite.`);
    }
    norm += a[i] * a[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      if (Math.abs(a[i * d + j] - a[j * d + i]) > 1e-8 * norm) {
        throw new Error(`symmetricEigen: entries (${i}, ${j}) and (${j}, ${i}) differ; the matrix must be symmetric.`);
      }
    }
  }

  let converged = false;
  for (let sweep = 0; sweep < maxSweeps && !converged; sweep++) {
    let offDiagonal = 0;
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) {
        offDiagonal += 2 * a[i * d + j] * a[i * d + j];
      }
    }
    if (Math.sqrt(offDiagonal) <= 1e-14 * norm) {
      converged = true;
      break;
    }
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        rotate(a, v, d, p, q);
      }
    }
  }
  if (!converged) {
    throw new Error(`symmetricEigen: Jacobi iteration did not converge in ${maxSweeps} sweeps (d = ${d}).`);
  }

  // Sort eigenpairs by decreasing eigenvalue.
  const order = Array.from({ length: d }, (_, k) => k).sort((k, l) => a[l * d + l] - a[k * d + k]);
  const eigenvalues = new Float64Array(d);
  const eigenvectors = new Float64Array(d * d);
  order.forEach((source, k) => {
    eigenvalues[k] = a[source * d + source];
    for (let i = 0; i < d; i++) {
      eigenvectors[i * d + k] = v[i * d + source];
    }
  });
  return { eigenvalues, eigenvectors };
}

/** Applies the Jacobi rotation that zeroes a[p][q] to A (both sides) and accumulates it into V. */
function rotate(a: Float64Array, v: Float64Array, d: number, p: number, q: number): void {
  const apq = a[p * d + q];
  if (apq === 0) {
    return;
  }
  const app = a[p * d + p];
  const aqq = a[q * d + q];

  // tan θ as the smaller root of t² + 2τt − 1 = 0, which keeps the rotation angle ≤ π/4 (stable).
  const tau = (aqq - app) / (2 * apq);
  const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
  const c = 1 / Math.sqrt(1 + t * t);
  const s = t * c;

  for (let k = 0; k < d; k++) {
    const akp = a[k * d + p];
    const akq = a[k * d + q];
    a[k * d + p] = c * akp - s * akq;
    a[k * d + q] = s * akp + c * akq;
  }
  for (let k = 0; k < d; k++) {
    const apk = a[p * d + k];
    const aqk = a[q * d + k];
    a[p * d + k] = c * apk - s * aqk;
    a[q * d + k] = s * apk + c * aqk;
  }
  for (let k = 0; k < d; k++) {
    const vkp = v[k * d + p];
    const vkq = v[k * d + q];
    v[k * d + p] = c * vkp - s * vkq;
    v[k * d + q] = s * vkp + c * vkq;
  }
}
