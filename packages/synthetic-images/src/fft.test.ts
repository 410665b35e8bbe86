import { RandomStream } from '@gahb/core';
import { ComplexFft, fft2d } from './fft';

/** Direct O(N²) DFT, the independent reference. */
function naiveDft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] += re[j] * Math.cos(angle) - im[j] * Math.sin(angle);
      outIm[k] += re[j] * Math.sin(angle) + im[j] * Math.cos(angle);
    }
    if (inverse) {
      outRe[k] /= n;
      outIm[k] /= n;
    }
  }
  return [outRe, outIm];
}

function randomVector(n: number, seed: number): Float64Array {
  return RandomStream.fromSeed(seed, 'fft-test').fillUniform(new Float64Array(n), -1, 1);
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return max;
}

describe('ComplexFft', () => {
  // Power of two, 2^p·m with m in {3, 5, 45}, odd, prime, and the trivial length.
  const sizes = [1, 2, 16, 64, 12, 80, 90, 160, 81, 79];

  test.each(sizes)('forward transform matches direct DFT for size %i', (size) => {
    const re = randomVector(size, size);
    const im = randomVector(size, size + 1000);
    const [expectedRe, expectedIm] = naiveDft(re, im, false);
    new ComplexFft(size).transform(re, im);
    // Tolerance: 1e-9 absolute on values of magnitude up to about N.
    expect(maxDifference(re, expectedRe)).toBeLessThan(1e-9);
    expect(maxDifference(im, expectedIm)).toBeLessThan(1e-9);
  });

  test.each(sizes)('inverse transform matches direct inverse DFT for size %i', (size) => {
    const re = randomVector(size, size + 2000);
    const im = randomVector(size, size + 3000);
    const [expectedRe, expectedIm] = naiveDft(re, im, true);
    new ComplexFft(size).transform(re, im, 0, 1, true);
    expect(maxDifference(re, expectedRe)).toBeLessThan(1e-12);
    expect(maxDifference(im, expectedIm)).toBeLessThan(1e-12);
  });

  test('strided transform leaves other entries unchanged', () => {
    const size = 20;
    const re = randomVector(3 * size, 5);
    const im = randomVector(3 * size, 6);
    const columnRe = new Float64Array(size).map((_, j) => re[1 + 3 * j]);
    const columnIm = new Float64Array(size).map((_, j) => im[1 + 3 * j]);
    const [expectedRe, expectedIm] = naiveDft(columnRe, columnIm, false);
    const untouched = re[0];
    new ComplexFft(size).transform(re, im, 1, 3);
    const resultRe = new Float64Array(size).map((_, j) => re[1 + 3 * j]);
    const resultIm = new Float64Array(size).map((_, j) => im[1 + 3 * j]);
    expect(maxDifference(resultRe, expectedRe)).toBeLessThan(1e-10);
    expect(maxDifference(resultIm, expectedIm)).toBeLessThan(1e-10);
    expect(re[0]).toBe(untouched);
  });

  test('rejects size 0', () => {
    expect(() => new ComplexFft(0)).toThrow('size 0 is invalid');
  });
});

describe('fft2d', () => {
  test('matches separable direct DFT on 10 x 12', () => {
    const height = 10;
    const width = 12;
    const re = randomVector(height * width, 11);
    const im = new Float64Array(height * width);
    // Reference: X[u, v] = Σ_y Σ_x x[y, x] exp(−2πi (u y / H + v x / W)).
    const expectedRe = new Float64Array(height * width);
    const expectedIm = new Float64Array(height * width);
    for (let u = 0; u < height; u++) {
      for (let v = 0; v < width; v++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const angle = -2 * Math.PI * ((u * y) / height + (v * x) / width);
            expectedRe[u * width + v] += re[y * width + x] * Math.cos(angle);
            expectedIm[u * width + v] += re[y * width + x] * Math.sin(angle);
          }
        }
      }
    }
    fft2d(re, im, height, width);
    expect(maxDifference(re, expectedRe)).toBeLessThan(1e-10);
    expect(maxDifference(im, expectedIm)).toBeLessThan(1e-10);
  });

  test('inverse undoes forward on 80 x 80', () => {
    const original = randomVector(6400, 12);
    const re = original.slice();
    const im = new Float64Array(6400);
    fft2d(re, im, 80, 80);
    fft2d(re, im, 80, 80, true);
    expect(maxDifference(re, original)).toBeLessThan(1e-12);
    expect(maxDifference(im, new Float64Array(6400))).toBeLessThan(1e-12);
  });
});
