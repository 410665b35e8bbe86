import * as tf from '@tensorflow/tfjs-core';
import { RandomStream, createImageBatch } from '@gahb/core';

import { EmpiricalMmseDenoiser } from './empirical-mmse';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

/** Returns a batch of n random images of shape [height, width, channels] with values in [0, 1]. */
function randomImages(n: number, height: number, width: number, channels: number, seed: number) {
  const batch = createImageBatch(n, height, width, channels);
  RandomStream.fromSeed(seed, 'empirical-mmse-test').fillUniform(batch.data, 0, 1);
  return batch;
}

/** Float64 reference: Σ_i softmax_i(−‖y − x_i‖²/(2σ²)) x_i from explicit differences. */
function referenceMmse(y: Float32Array, training: Float32Array, count: number, sigma: number): Float64Array {
  const d = y.length;
  const logits = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let squaredDistance = 0;
    for (let k = 0; k < d; k++) {
      const difference = y[k] - training[i * d + k];
      squaredDistance += difference * difference;
    }
    logits[i] = -squaredDistance / (2 * sigma * sigma);
  }
  const max = Math.max(...logits);
  const estimate = new Float64Array(d);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const weight = Math.exp(logits[i] - max);
    total += weight;
    for (let k = 0; k < d; k++) {
      estimate[k] += weight * training[i * d + k];
    }
  }
  return estimate.map((value) => value / total);
}

describe('EmpiricalMmseDenoiser', () => {
  const count = 37;
  const training = randomImages(count, 4, 4, 1, 1);
  const noisyValues = randomImages(3, 4, 4, 1, 2).data;

  test.each([
    [0.3, 8],
    [0.3, 100],
    [1.5, 5],
  ])('matches float64 reference for sigma %f, chunkSize %i', (sigma, chunkSize) => {
    const denoiser = new EmpiricalMmseDenoiser(training, { chunkSize });
    const noisy = tf.tensor4d(noisyValues, [3, 4, 4, 1]);
    const estimate = denoiser.denoise(noisy, { sigma }).dataSync();

    // Tolerance 1e-5 absolute on values in [0, 1] (float32 products).
    for (let n = 0; n < 3; n++) {
      const expected = referenceMmse(noisyValues.subarray(n * 16, (n + 1) * 16), training.data, count, sigma);
      for (let k = 0; k < 16; k++) {
        expect(Math.abs(estimate[n * 16 + k] - expected[k])).toBeLessThan(1e-5);
      }
    }
    tf.dispose(noisy);
    denoiser.dispose();
  });

  test('per-image sigma matches separate calls', () => {
    const denoiser = new EmpiricalMmseDenoiser(training, { chunkSize: 10 });
    const noisy = tf.tensor4d(noisyValues, [3, 4, 4, 1]);
    const sigmas = [0.2, 0.5, 2];
    const combined = denoiser.denoise(noisy, { sigma: sigmas }).dataSync();
    sigmas.forEach((sigma, n) => {
      const single = tf.slice(noisy, [n, 0, 0, 0], [1, 4, 4, 1]);
      const separate = denoiser.denoise(single, { sigma }).dataSync();
      for (let k = 0; k < 16; k++) {
        expect(Math.abs(combined[n * 16 + k] - separate[k])).toBeLessThan(1e-6);
      }
    });
    denoiser.dispose();
  });

  test('tiny sigma returns nearest training image without overflow', () => {
    // σ = 1e-3 makes logits of order 1e5: a naive softmax overflows, the log-sum-exp does not.
    const denoiser = new EmpiricalMmseDenoiser(training, { sigma: 1e-3, chunkSize: 16 });
    const target = 22;
    const noisyData = Float32Array.from(training.data.subarray(target * 16, (target + 1) * 16), (value, k) => value + (k % 2 === 0 ? 0.01 : -0.01));
    const estimate = denoiser.denoise(tf.tensor4d(noisyData, [1, 4, 4, 1])).dataSync();
    for (let k = 0; k < 16; k++) {
      expect(estimate[k]).toBeCloseTo(training.data[target * 16 + k], 5);
    }
  });

  test('gradient matches finite differences', () => {
    const denoiser = new EmpiricalMmseDenoiser(training, { sigma: 0.8, chunkSize: 12 });
    const noisy = tf.tensor4d(noisyValues.subarray(0, 16), [1, 4, 4, 1]);
    const weights = tf.tensor4d(randomImages(1, 4, 4, 1, 9).data, [1, 4, 4, 1]);
    const objective = (y: tf.Tensor) => tf.sum(tf.mul(denoiser.denoise(y as tf.Tensor4D), weights));
    const gradient = tf.grad(objective)(noisy).dataSync();

    // Central differences with h = 1e-2 in float32; tolerance 2e-3 absolute.
    const h = 1e-2;
    for (const k of [0, 5, 15]) {
      const step = new Float32Array(16);
      step[k] = h;
      const plus = objective(tf.add(noisy, tf.tensor4d(step, [1, 4, 4, 1]))).dataSync()[0];
      const minus = objective(tf.sub(noisy, tf.tensor4d(step, [1, 4, 4, 1]))).dataSync()[0];
      expect(Math.abs(gradient[k] - (plus - minus) / (2 * h))).toBeLessThan(2e-3);
    }
  });

  test('missing sigma is an error', () => {
    const denoiser = new EmpiricalMmseDenoiser(training);
    expect(() => denoiser.denoise(tf.zeros([1, 4, 4, 1]))).toThrow(/sigma is missing/);
  });

  test('non-positive sigma is an error', () => {
    const denoiser = new EmpiricalMmseDenoiser(training);
    expect(() => denoiser.denoise(tf.zeros([1, 4, 4, 1]), { sigma: -0.1 })).toThrow(/sigma -0.1 is invalid/);
  });

  test('wrong image shape is an error', () => {
    const denoiser = new EmpiricalMmseDenoiser(training, { sigma: 0.1 });
    expect(() => denoiser.denoise(tf.zeros([1, 5, 4, 1]))).toThrow(/5x4x1 but the training images are 4x4x1/);
  });
});
