import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type Denoiser } from '@gahb/backend';
import { RandomStream, imageBatchFromData } from '@gahb/core';
import { WienerDenoiser } from '@gahb/models';
import { modelVariance } from '../src';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Wiener denoiser of N(0.5, variance·I) on 3x3 images: x̂(y) = 0.5 + variance/(variance + σ²)·(y − 0.5). */
function isotropicWiener(variance: number): WienerDenoiser {
  const d = 9;
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    covariance[i * d + i] = variance;
  }
  return new WienerDenoiser({ mean: new Float64Array(d).fill(0.5), covariance, shape: [3, 3, 1] });
}

describe('modelVariance', () => {
  const images = imageBatchFromData(RandomStream.fromSeed(1, 'test-images').fillUniform(new Float32Array(5 * 9)), [5, 3, 3, 1]);

  test('equal denoisers have zero variance', async () => {
    const first = isotropicWiener(0.04);
    const second = isotropicWiener(0.04);
    const points = await modelVariance(first, second, images, [0.1, 0.5], 3);
    expect(points.map((point) => point.sigma)).toEqual([0.1, 0.5]);
    for (const point of points) {
      expect(point.variance).toBeLessThan(1e-12);
    }
    first.dispose();
    second.dispose();
  });

  test('isotropic Wiener pair matches closed form', async () => {
    const first = isotropicWiener(0.04);
    const second = isotropicWiener(0.01);
    const sigmas = [0.05, 0.2];
    const points = await modelVariance(first, second, images, sigmas, 3, { batchSize: 2 });

    // Difference (g₁ − g₂)(y − 0.5) with gains g = λ/(λ + σ²) and y = x + σz, z from the stream ('model-variance', i).
    sigmas.forEach((sigma, s) => {
      const gainDifference = 0.04 / (0.04 + sigma ** 2) - 0.01 / (0.01 + sigma ** 2);
      let total = 0;
      for (let i = 0; i < 5; i++) {
        const z = RandomStream.fromSeed(3, 'model-variance', i).fillNormal(new Float32Array(9));
        for (let k = 0; k < 9; k++) {
          total += (gainDifference * (images.data[i * 9 + k] + sigma * z[k] - 0.5)) ** 2;
        }
      }
      // Relative 1e-4: float32 arithmetic on values of order 0.1.
      expect(Math.abs(points[s].variance / (total / 45) - 1)).toBeLessThan(1e-4);
    });
    first.dispose();
    second.dispose();
  });

  test('rejects negative noise level', async () => {
    const denoiser = isotropicWiener(0.04);
    await expect(modelVariance(denoiser, denoiser, images, [-0.1], 1)).rejects.toThrow(/noise level -0.1 is invalid: use values >= 0/);
    denoiser.dispose();
  });

  test('rejects non-finite test images', async () => {
    const denoiser = isotropicWiener(0.04);
    const corrupted = imageBatchFromData(images.data.slice(), [5, 3, 3, 1]);
    corrupted.data[20] = Number.NaN;
    await expect(modelVariance(denoiser, denoiser, corrupted, [0.1], 1)).rejects.toThrow('modelVariance: test image 2 contains NaN');
    denoiser.dispose();
  });

  test('rejects output of another shape', async () => {
    // Averaging the channels returns [n, 3, 3, 1] for [n, 3, 3, 3] input, which tf.sub would broadcast.
    const identity: Denoiser = { name: 'identity', denoise: (noisy) => tf.clone(noisy) };
    const grayscale: Denoiser = { name: 'grayscale', denoise: (noisy) => tf.mean(noisy, 3, true) };
    const rgb = imageBatchFromData(new Float32Array(2 * 27).fill(0.5), [2, 3, 3, 3]);
    await expect(modelVariance(identity, grayscale, rgb, [0.1], 1)).rejects.toThrow(
      'modelVariance: denoiser "grayscale" returned shape [2, 3, 3, 1] for input [2, 3, 3, 3]',
    );
  });
});
