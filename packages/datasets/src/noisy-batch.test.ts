import { RandomStream, createImageBatch } from '@gahb/core';
import { makeNoisyBatch } from './noisy-batch';

/** Returns `count` 16x16 grayscale images of seeded uniform values. */
function cleanImages(count: number) {
  const images = createImageBatch(count, 16, 16, 1);
  RandomStream.fromSeed(99, 'test-images').fillUniform(images.data);
  return images;
}

describe('makeNoisyBatch', () => {
  test('noisy equals clean plus noise for the selected images', () => {
    const clean = cleanImages(5);
    const indices = Int32Array.from([4, 0, 4]);
    const { noisy, noise, sigma } = makeNoisyBatch(clean, indices, 1, 0);
    expect(noisy.shape).toEqual([3, 16, 16, 1]);
    expect(sigma.length).toBe(3);

    const imageSize = 256;
    let maxError = 0;
    for (let position = 0; position < 3; position++) {
      for (let k = 0; k < imageSize; k++) {
        const expected = clean.data[indices[position] * imageSize + k] + noise.data[position * imageSize + k];
        maxError = Math.max(maxError, Math.abs(noisy.data[position * imageSize + k] - expected));
      }
    }
    // Float32 rounding of one addition of values below ~5.
    expect(maxError).toBeLessThan(1e-6);
  });

  test('noise divided by sigma is standard normal', () => {
    const clean = cleanImages(2);
    const indices = new Int32Array(64).fill(1);
    const { noise, sigma } = makeNoisyBatch(clean, indices, 7, 3, { distribution: 'uniform', sigmaMin: 0.1, sigmaMax: 0.5 });

    let sum = 0;
    let sumSquares = 0;
    for (let position = 0; position < 64; position++) {
      for (let k = 0; k < 256; k++) {
        const z = noise.data[position * 256 + k] / sigma[position];
        sum += z;
        sumSquares += z * z;
      }
    }
    const count = 64 * 256;
    const mean = sum / count;
    const variance = sumSquares / count - mean * mean;
    // Standard errors: 1/√n for the mean, √(2/n) for the variance; allow 4 of each.
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(count));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / count));
    expect(Math.min(...sigma)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...sigma)).toBeLessThanOrEqual(0.5);
  });

  test('same seed and step reproduce the batch', () => {
    const clean = cleanImages(4);
    const indices = Int32Array.from([3, 1, 2]);
    const first = makeNoisyBatch(clean, indices, 5, 12);
    const second = makeNoisyBatch(clean, indices, 5, 12);
    expect(second.noisy.data).toEqual(first.noisy.data);
    expect(second.sigma).toEqual(first.sigma);
  });

  test('other step or seed changes the noise', () => {
    const clean = cleanImages(4);
    const indices = Int32Array.from([3, 1, 2]);
    const base = makeNoisyBatch(clean, indices, 5, 12);
    expect(makeNoisyBatch(clean, indices, 5, 13).noise.data).not.toEqual(base.noise.data);
    expect(makeNoisyBatch(clean, indices, 6, 12).noise.data).not.toEqual(base.noise.data);
  });

  test('a position draws the same noise whatever the batch size', () => {
    const clean = cleanImages(4);
    const long = makeNoisyBatch(clean, Int32Array.from([2, 3, 0]), 8, 4);
    const short = makeNoisyBatch(clean, Int32Array.from([2]), 8, 4);
    expect(short.noise.data).toEqual(long.noise.data.subarray(0, 256));
    expect(short.sigma[0]).toBe(long.sigma[0]);
  });

  test('fixed sigma scales the noise', () => {
    const clean = cleanImages(1);
    const { noise, sigma } = makeNoisyBatch(clean, new Int32Array(8), 2, 0, { sigma: 0.25 });
    expect(Array.from(sigma)).toEqual(new Array(8).fill(0.25));
    let sumSquares = 0;
    for (const value of noise.data) {
      sumSquares += value * value;
    }
    const std = Math.sqrt(sumSquares / noise.data.length);
    // 2048 values: the sample standard deviation is within 4·0.25/√(2·2048) ≈ 0.016 of 0.25.
    expect(Math.abs(std - 0.25)).toBeLessThan(0.016);
  });

  test('index outside the clean images is rejected', () => {
    const clean = cleanImages(2);
    expect(() => makeNoisyBatch(clean, Int32Array.from([0, 2]), 1, 0)).toThrow('image index 2 at batch position 1');
  });
});
