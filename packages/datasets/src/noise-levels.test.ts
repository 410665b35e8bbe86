import { sampleNoiseLevels } from './noise-levels';

/** Kolmogorov-Smirnov distance between the sample and the continuous distribution function `cdf`. */
function ksDistance(values: Float32Array, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(values).sort();
  let distance = 0;
  for (let i = 0; i < sorted.length; i++) {
    const model = cdf(sorted[i]);
    distance = Math.max(distance, Math.abs((i + 1) / sorted.length - model), Math.abs(i / sorted.length - model));
  }
  return distance;
}

const COUNT = 20_000;
// KS critical value at significance 0.001 is 1.95 / √n.
const KS_LIMIT = 1.95 / Math.sqrt(COUNT);

describe('sampleNoiseLevels', () => {
  test('quadratic follows P(sigma <= s) = sqrt(s)', () => {
    const sigma = sampleNoiseLevels(COUNT, 11, { distribution: 'quadratic' });
    expect(ksDistance(sigma, (s) => Math.sqrt(Math.min(Math.max(s, 0), 1)))).toBeLessThan(KS_LIMIT);

    // Mean of u² is 1/3 with standard deviation sqrt(1/5 − 1/9); allow 4 standard errors.
    const mean = sigma.reduce((sum, value) => sum + value, 0) / COUNT;
    expect(Math.abs(mean - 1 / 3)).toBeLessThan((4 * Math.sqrt(1 / 5 - 1 / 9)) / Math.sqrt(COUNT));
  });

  test('quadratic is the default', () => {
    expect(sampleNoiseLevels(50, 3)).toEqual(sampleNoiseLevels(50, 3, { distribution: 'quadratic' }));
  });

  test('uniform follows a uniform law on [sigmaMin, sigmaMax]', () => {
    const sigmaMin = 0.05;
    const sigmaMax = 0.45;
    const sigma = sampleNoiseLevels(COUNT, 12, { distribution: 'uniform', sigmaMin, sigmaMax });
    const cdf = (s: number) => Math.min(Math.max((s - sigmaMin) / (sigmaMax - sigmaMin), 0), 1);
    expect(ksDistance(sigma, cdf)).toBeLessThan(KS_LIMIT);
    expect(Math.min(...sigma)).toBeGreaterThanOrEqual(sigmaMin);
    expect(Math.max(...sigma)).toBeLessThanOrEqual(sigmaMax);
  });

  test('quadratic with sigmaMin shifts and scales u squared', () => {
    const sigma = sampleNoiseLevels(COUNT, 13, { distribution: 'quadratic', sigmaMin: 0.2, sigmaMax: 0.6 });
    const cdf = (s: number) => Math.sqrt(Math.min(Math.max((s - 0.2) / 0.4, 0), 1));
    expect(ksDistance(sigma, cdf)).toBeLessThan(KS_LIMIT);
  });

  test('levels do not depend on how the request is split', () => {
    const whole = sampleNoiseLevels(30, 5, { distribution: 'uniform' });
    const tail = sampleNoiseLevels(10, 5, { distribution: 'uniform' }, 20);
    expect(tail).toEqual(whole.subarray(20));
  });

  test('different seeds give different levels', () => {
    const first = sampleNoiseLevels(20, 1);
    const second = sampleNoiseLevels(20, 2);
    expect(first).not.toEqual(second);
  });

  test('invalid options are rejected with the value', () => {
    expect(() => sampleNoiseLevels(10, 1, { sigmaMin: -0.1 })).toThrow('sigmaMin -0.1 is invalid');
    expect(() => sampleNoiseLevels(10, 1, { sigmaMin: 0.5, sigmaMax: 0.2 })).toThrow('sigmaMax 0.2 is invalid');
    expect(() => sampleNoiseLevels(10, 1, { distribution: 'cubic' as never })).toThrow('"cubic" is invalid');
    expect(() => sampleNoiseLevels(-1, 1)).toThrow('count -1 is invalid');
  });
});
