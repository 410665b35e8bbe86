import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';

import { WienerDenoiser } from './wiener';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

/** Returns a random positive semi-definite d×d covariance B Bᵀ / rank with B of shape [d, rank]. */
function randomCovariance(d: number, rank: number, seed: number): Float64Array {
  const random = RandomStream.fromSeed(seed, 'wiener-test');
  const b = Float64Array.from({ length: d * rank }, () => random.normal());
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < rank; k++) {
        sum += b[i * rank + k] * b[j * rank + k];
      }
      covariance[i * d + j] = (0.05 * sum) / rank;
    }
  }
  return covariance;
}

/** Float64 reference μ + C (C + σ²I)⁻¹ (y − μ) by Gaussian elimination with partial pivoting. */
function referenceWiener(y: Float32Array, mean: Float64Array, covariance: Float64Array, sigma: number): Float64Array {
  const d = mean.length;
  const system = Float64Array.from(covariance);
  for (let i = 0; i < d; i++) {
    system[i * d + i] += sigma * sigma;
  }
  const solution = Float64Array.from({ length: d }, (_, i) => y[i] - mean[i]);
  for (let column = 0; column < d; column++) {
    let pivot = column;
    for (let row = column + 1; row < d; row++) {
      if (Math.abs(system[row * d + column]) > Math.abs(system[pivot * d + column])) {
        pivot = row;
      }
    }
    for (let k = 0; k < d; k++) {
      [system[column * d + k], system[pivot * d + k]] = [system[pivot * d + k], system[column * d + k]];
    }
    [solution[column], solution[pivot]] = [solution[pivot], solution[column]];
    for (let row = column + 1; row < d; row++) {
      const factor = system[row * d + column] / system[column * d + column];
      for (let k = column; k < d; k++) {
        system[row * d + k] -= factor * system[column * d + k];
      }
      solution[row] -= factor * solution[column];
    }
  }
  for (let row = d - 1; row >= 0; row--) {
    let sum = solution[row];
    for (let k = row + 1; k < d; k++) {
      sum -= system[row * d + k] * solution[k];
    }
    solution[row] = sum / system[row * d + row];
  }
  const estimate = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = 0;
    for (let k = 0; k < d; k++) {
      sum += covariance[i * d + k] * solution[k];
    }
    estimate[i] = mean[i] + sum;
  }
  return estimate;
}

describe('WienerDenoiser', () => {
  const d = 16;
  const covariance = randomCovariance(d, 6, 1);
  const mean = Float64Array.from({ length: d }, (_, i) => 0.3 + 0.02 * i);
  const random = RandomStream.fromSeed(2, 'wiener-test-noisy');
  const noisyValues = Float32Array.from({ length: 2 * d }, () => 0.5 + 0.4 * random.normal());

  test.each([0.05, 0.3, 2])('matches linear solve for sigma %f', (sigma) => {
    const denoiser = new WienerDenoiser({ mean, covariance, shape: [4, 4, 1] });
    const estimate = denoiser.denoise(tf.tensor4d(noisyValues, [2, 4, 4, 1]), { sigma }).dataSync();

    // Tolerance 1e-5 absolute (float32 matrix products on values of order 1).
    for (let n = 0; n < 2; n++) {
      const expected = referenceWiener(noisyValues.subarray(n * d, (n + 1) * d), mean, covariance, sigma);
      for (let k = 0; k < d; k++) {
        expect(Math.abs(estimate[n * d + k] - expected[k])).toBeLessThan(1e-5);
      }
    }
    denoiser.dispose();
  });

  test('per-image sigma matches separate calls', () => {
    const denoiser = new WienerDenoiser({ mean, covariance, shape: [4, 4, 1] }, { sigma: 0.1 });
    const noisy = tf.tensor4d(noisyValues, [2, 4, 4, 1]);
    const combined = denoiser.denoise(noisy, { sigma: [0.1, 0.7] }).dataSync();
    const first = denoiser.denoise(tf.slice(noisy, [0, 0, 0, 0], [1, 4, 4, 1])).dataSync();
    const second = denoiser.denoise(tf.slice(noisy, [1, 0, 0, 0], [1, 4, 4, 1]), { sigma: 0.7 }).dataSync();
    for (let k = 0; k < d; k++) {
      expect(Math.abs(combined[k] - first[k])).toBeLessThan(1e-6);
      expect(Math.abs(combined[d + k] - second[k])).toBeLessThan(1e-6);
    }
  });

  test('Jacobian equals C (C + σ²I)⁻¹', () => {
    // The Jacobian of an affine map is its matrix: row i of ∂x̂/∂y is the gradient of x̂_i.
    const sigma = 0.4;
    const denoiser = new WienerDenoiser({ mean, covariance, shape: [4, 4, 1] }, { sigma });
    const y = tf.tensor4d(noisyValues.subarray(0, d), [1, 4, 4, 1]);
    const basisVector = new Float64Array(d);
    for (const i of [0, 7]) {
      const row = tf.grad((input: tf.Tensor) => tf.sum(tf.slice(tf.reshape(denoiser.denoise(input as tf.Tensor4D), [d]), [i], [1])))(y).dataSync();
      // Column i of C (C + σ²I)⁻¹ equals row i because the matrix is symmetric; get it as the Wiener map of e_j.
      for (let j = 0; j < d; j++) {
        basisVector.fill(0);
        basisVector[j] = 1;
        const expected = referenceWiener(Float32Array.from(basisVector), new Float64Array(d), covariance, sigma)[i];
        expect(Math.abs(row[j] - expected)).toBeLessThan(1e-5);
      }
    }
  });

  test('indefinite covariance is rejected', () => {
    const indefinite = Float64Array.from([1, 0, 0, -1]);
    expect(() => new WienerDenoiser({ mean: new Float64Array(2), covariance: indefinite, shape: [1, 2, 1] })).toThrow(/eigenvalue -1/);
  });

  test('mean of wrong length is rejected', () => {
    expect(() => new WienerDenoiser({ mean: new Float64Array(3), covariance, shape: [4, 4, 1] })).toThrow(/mean has 3 values/);
  });

  test('missing sigma is an error', () => {
    const denoiser = new WienerDenoiser({ mean, covariance, shape: [4, 4, 1] });
    expect(() => denoiser.denoise(tf.zeros([1, 4, 4, 1]))).toThrow(/sigma is missing/);
  });
});
