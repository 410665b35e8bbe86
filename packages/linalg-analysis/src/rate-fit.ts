// Denoising rates: the slope of output PSNR against input PSNR, which equals half the log-log slope of MSE
// against σ (input PSNR = −20·log10 σ, output PSNR = −10·log10 MSE), and the optimal slope α/(α + 1) for
// images whose sorted squared coefficients decay as k^−(α+1), e.g. C^α images in a bandlet basis
// (Kadkhodaie et al., ICLR 2024, §3.2).

/** Least-squares line of {@link fitRate}. */
export interface RateFit {
  /** d(output PSNR)/d(input PSNR). */
  slope: number;
  /** Output PSNR at input PSNR 0, in dB. */
  intercept: number;
  /** Standard error of the slope (NaN with two points). */
  slopeStandardError: number;
  /** Points used (those with input PSNR inside `range`). */
  points: number;
}

/**
 * Fits output PSNR = slope·input PSNR + intercept by ordinary least squares over the points whose input
 * PSNR (dB) lies in `range` [min, max] (all points by default). Needs at least two distinct input PSNRs.
 */
export function fitRate(inputPsnr: readonly number[], outputPsnr: readonly number[], range?: readonly [number, number]): RateFit {
  if (inputPsnr.length !== outputPsnr.length) {
    throw new Error(`fitRate: ${inputPsnr.length} input PSNRs but ${outputPsnr.length} output PSNRs; pass equal lengths.`);
  }
  const [low, high] = range ?? [-Infinity, Infinity];
  const xs: number[] = [];
  const ys: number[] = [];
  inputPsnr.forEach((x, i) => {
    if (x >= low && x <= high && Number.isFinite(x) && Number.isFinite(outputPsnr[i])) {
      xs.push(x);
      ys.push(outputPsnr[i]);
    }
  });
  const n = xs.length;
  const meanX = xs.reduce((sum, x) => sum + x, 0) / n;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - meanX) ** 2;
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
  }
  if (n < 2 || sxx === 0) {
    throw new Error(`fitRate: ${n} points with distinct input PSNRs in [${low}, ${high}] dB; at least two are needed, so widen the range.`);
  }

  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let residualSquares = 0;
  for (let i = 0; i < n; i++) residualSquares += (ys[i] - intercept - slope * xs[i]) ** 2;
  const slopeStandardError = n > 2 ? Math.sqrt(residualSquares / (n - 2) / sxx) : NaN;
  return { slope, intercept, slopeStandardError, points: n };
}

/** Returns the optimal PSNR slope α/(α + 1) for the C^α class with regularity `alpha` > 0. */
export function optimalCAlphaSlope(alpha: number): number {
  if (!(Number.isFinite(alpha) && alpha > 0)) {
    throw new Error(`optimalCAlphaSlope: alpha ${alpha} is invalid: use a regularity > 0.`);
  }
  return alpha / (alpha + 1);
}

/** Returns −20·log10 σ, the PSNR in dB of Gaussian noise of standard deviation σ on [0, 1] images. */
export function sigmaToPsnr(sigma: number): number {
  return -20 * Math.log10(sigma);
}
