/**
 * A low-rank Gaussian prior for the tests: a few smooth directions with large variances and a tiny variance
 * in all others. This is the regime the coarse-to-fine sampler is built for, because most directions are
 * pure noise at every σ it visits, so ‖x̂(y) − y‖/√d estimates the noise level well.
 */

export interface LowRankPrior {
  shape: [number, number, number];
  /** Mean μ, [d]. */
  mean: Float64Array;
  /** Orthonormal principal directions u_k, [rank, d]. */
  directions: Float64Array;
  /** Variances λ_k along the principal directions. */
  variances: number[];
  /** Variance in every direction orthogonal to the principal ones. */
  floorVariance: number;
  /** Row-major d x d covariance Σ λ_k u_k u_kᵀ + floor·(I − Σ u_k u_kᵀ). */
  covariance: Float64Array;
}

/**
 * Returns a prior over [size, size, 1] images whose principal directions are the 2-D DCT-II basis images
 * (0, 1), (1, 0), (1, 1), (0, 2), … with the given variances, and whose mean is a ramp from 0.35 to 0.65.
 */
export function lowRankPrior(size: number, variances: number[], floorVariance = 1e-7): LowRankPrior {
  const d = size * size;
  const frequencies: Array<[number, number]> = [[0, 1], [1, 0], [1, 1], [0, 2], [2, 0], [1, 2], [2, 1]];
  if (variances.length > frequencies.length) {
    throw new Error(`lowRankPrior supports at most ${frequencies.length} directions.`);
  }
  const mean = new Float64Array(d);
  for (let p = 0; p < d; p++) {
    mean[p] = 0.35 + (0.3 * (Math.floor(p / size) + (p % size))) / (2 * size - 2);
  }

  const directions = new Float64Array(variances.length * d);
  variances.forEach((_, k) => {
    const [fu, fv] = frequencies[k];
    let squaredNorm = 0;
    for (let p = 0; p < d; p++) {
      const value = Math.cos((Math.PI * fu * (Math.floor(p / size) + 0.5)) / size) * Math.cos((Math.PI * fv * ((p % size) + 0.5)) / size);
      directions[k * d + p] = value;
      squaredNorm += value * value;
    }
    for (let p = 0; p < d; p++) {
      directions[k * d + p] /= Math.sqrt(squaredNorm);
    }
  });

  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    covariance[i * d + i] = floorVariance;
  }
  variances.forEach((variance, k) => {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        covariance[i * d + j] += (variance - floorVariance) * directions[k * d + i] * directions[k * d + j];
      }
    }
  });
  return { shape: [size, size, 1], mean, directions, variances, floorVariance, covariance };
}

/** Returns the coefficients u_kᵀ(x − μ) of `count` images ([count · d]) on the prior's principal directions, [count · rank]. */
export function principalCoefficients(prior: LowRankPrior, images: Float32Array, count: number): Float64Array {
  const d = prior.mean.length;
  const rank = prior.variances.length;
  const coefficients = new Float64Array(count * rank);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < rank; k++) {
      let dot = 0;
      for (let p = 0; p < d; p++) {
        dot += prior.directions[k * d + p] * (images[n * d + p] - prior.mean[p]);
      }
      coefficients[n * rank + k] = dot;
    }
  }
  return coefficients;
}

/** Returns ‖(I − Σ u_k u_kᵀ)(x − μ)‖² / d for each of `count` images: the energy outside the principal directions per pixel. */
export function residualEnergy(prior: LowRankPrior, images: Float32Array, count: number): Float64Array {
  const d = prior.mean.length;
  const coefficients = principalCoefficients(prior, images, count);
  const rank = prior.variances.length;
  const energy = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    let total = 0;
    for (let p = 0; p < d; p++) {
      total += (images[n * d + p] - prior.mean[p]) ** 2;
    }
    for (let k = 0; k < rank; k++) {
      total -= coefficients[n * rank + k] ** 2;
    }
    energy[n] = Math.max(0, total) / d;
  }
  return energy;
}

/** Solves A X = B for X by Gaussian elimination with partial pivoting; A is n x n, B is n x k, both row-major. */
function solveLinear(matrix: Float64Array, rightHandSides: Float64Array, n: number, k: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rightHandSides);
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++) {
      if (Math.abs(a[row * n + column]) > Math.abs(a[pivot * n + column])) {
        pivot = row;
      }
    }
    for (let j = 0; j < n; j++) {
      [a[column * n + j], a[pivot * n + j]] = [a[pivot * n + j], a[column * n + j]];
    }
    for (let j = 0; j < k; j++) {
      [b[column * k + j], b[pivot * k + j]] = [b[pivot * k + j], b[column * k + j]];
    }
    for (let row = column + 1; row < n; row++) {
      const factor = a[row * n + column] / a[column * n + column];
      for (let j = column; j < n; j++) {
        a[row * n + j] -= factor * a[column * n + j];
      }
      for (let j = 0; j < k; j++) {
        b[row * k + j] -= factor * b[column * k + j];
      }
    }
  }
  for (let row = n - 1; row >= 0; row--) {
    for (let j = 0; j < k; j++) {
      let value = b[row * k + j];
      for (let i = row + 1; i < n; i++) {
        value -= a[row * n + i] * b[i * k + j];
      }
      b[row * k + j] = value / a[row * n + row];
    }
  }
  return b;
}

/**
 * Returns the exact expected mean squared error per pixel, (‖μ_post − x‖² + tr C_post)/d, of a draw from the
 * Gaussian posterior given the noise-free measurement c = Mᵀx of `truth`, where M's columns are
 * `adjoint(e_j)`: μ_post = μ + CM(MᵀCM)⁻¹(c − Mᵀμ) and C_post = C − CM(MᵀCM)⁻¹MᵀC.
 */
export function posteriorMeanSquaredError(
  prior: LowRankPrior,
  adjoint: (measurement: Float32Array) => Float32Array,
  measurementSize: number,
  truth: Float32Array,
): number {
  const d = prior.mean.length;
  const m = measurementSize;
  // M as a d x m matrix, column j = adjoint(e_j).
  const columns = new Float64Array(d * m);
  for (let j = 0; j < m; j++) {
    const unit = new Float32Array(m);
    unit[j] = 1;
    const column = adjoint(unit);
    for (let i = 0; i < d; i++) {
      columns[i * m + j] = column[i];
    }
  }
  // CM (d x m) and MᵀCM (m x m).
  const cm = new Float64Array(d * m);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < m; j++) {
      let value = 0;
      for (let p = 0; p < d; p++) {
        value += prior.covariance[i * d + p] * columns[p * m + j];
      }
      cm[i * m + j] = value;
    }
  }
  const mtcm = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let value = 0;
      for (let p = 0; p < d; p++) {
        value += columns[p * m + i] * cm[p * m + j];
      }
      mtcm[i * m + j] = value;
    }
  }
  // Innovation c − Mᵀμ = Mᵀ(x − μ), and the gain applied to it and to CMᵀ.
  const innovation = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    for (let p = 0; p < d; p++) {
      innovation[j] += columns[p * m + j] * (truth[p] - prior.mean[p]);
    }
  }
  const weights = solveLinear(mtcm, innovation, m, 1);
  const cmTransposed = new Float64Array(m * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < m; j++) {
      cmTransposed[j * d + i] = cm[i * m + j];
    }
  }
  const solved = solveLinear(mtcm, cmTransposed, m, d);

  let squaredError = 0;
  let trace = 0;
  for (let i = 0; i < d; i++) {
    let posteriorMean = prior.mean[i];
    let reduction = 0;
    for (let j = 0; j < m; j++) {
      posteriorMean += cm[i * m + j] * weights[j];
      reduction += cm[i * m + j] * solved[j * d + i];
    }
    squaredError += (posteriorMean - truth[i]) ** 2;
    trace += prior.covariance[i * d + i] - reduction;
  }
  return (squaredError + trace) / d;
}
