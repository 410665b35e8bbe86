import { fitRate, optimalCAlphaSlope, sigmaToPsnr } from './rate-fit';

describe('fitRate', () => {
  test('three points match hand-computed least squares', () => {
    // x = 0, 1, 2 and y = 0, 1, 3: slope 1.5, intercept −1/6, SSR = 1/6, Sxx = 2, SE = sqrt((1/6)/1/2).
    const fit = fitRate([0, 1, 2], [0, 1, 3]);

    expect(fit.slope).toBeCloseTo(1.5, 14);
    expect(fit.intercept).toBeCloseTo(-1 / 6, 14);
    expect(fit.slopeStandardError).toBeCloseTo(Math.sqrt(1 / 12), 14);
    expect(fit.points).toBe(3);
  });

  test('range keeps the points inside it', () => {
    // Output follows 0.75·input + 20 above 10 dB and saturates below.
    const input = [0, 5, 10, 15, 20, 25, 30];
    const output = input.map((x) => (x >= 10 ? 0.75 * x + 20 : 27.5));

    const fit = fitRate(input, output, [10, 30]);

    expect(fit.slope).toBeCloseTo(0.75, 12);
    expect(fit.intercept).toBeCloseTo(20, 10);
    expect(fit.points).toBe(5);
  });

  test('MSE power law gives half its exponent', () => {
    // MSE = c·σ^(2α/(α+1)) with α = 3: output PSNR slope α/(α+1) = 0.75.
    const sigmas = [0.01, 0.02, 0.05, 0.1, 0.2];
    const output = sigmas.map((sigma) => -10 * Math.log10(0.3 * sigma ** 1.5));

    const fit = fitRate(sigmas.map(sigmaToPsnr), output);

    expect(fit.slope).toBeCloseTo(0.75, 12);
  });

  test('rejects a single point', () => {
    expect(() => fitRate([1, 2], [1, 2], [0, 1.5])).toThrow('1 points with distinct input PSNRs');
  });
});

describe('optimalCAlphaSlope', () => {
  test.each([
    [1, 0.5],
    [2, 2 / 3],
    [3, 0.75],
    [5, 5 / 6],
  ])('alpha %d gives %d', (alpha, slope) => {
    expect(optimalCAlphaSlope(alpha)).toBeCloseTo(slope, 15);
  });

  test('rejects alpha 0', () => {
    expect(() => optimalCAlphaSlope(0)).toThrow('alpha 0 is invalid');
  });
});
