/**
 * Random signals and fields with power-law spectra, as the study's C^alpha generator makes them: white noise
 * multiplied in the Fourier domain by 1/|k|^exponent, where k is the integer frequency index on the centred
 * (fftshifted) grid and the infinite DC value is replaced by its neighbour's value 1.
 */
import { getComplexFft, fft2d } from './fft';

/** Shape of the 2-D filter: 1/|k|₂^β (radial) or 1/(|k_y|·|k_x|)^β with each zero factor replaced by 1 (separable). */
export type BackgroundFilterShape = 'radial' | 'separable';

/** |k| of DFT index j of a length-`size` transform: min(j, size − j), the distance to DC on the centred grid. */
export function frequencyMagnitude(index: number, size: number): number {
  return Math.min(index, size - index);
}

/** 1-D filter 1/|k|^exponent in DFT index order, with the DC entry set to 1. */
export function powerLawFilter1d(size: number, exponent: number): Float64Array {
  const filter = new Float64Array(size);
  for (let j = 0; j < size; j++) {
    filter[j] = Math.max(frequencyMagnitude(j, size), 1) ** -exponent;
  }
  return filter;
}

/** 2-D filter [size, size] in DFT index order (C order, height index first), DC set to 1. */
export function powerLawFilter2d(size: number, exponent: number, shape: BackgroundFilterShape): Float64Array {
  const filter = new Float64Array(size * size);
  for (let v = 0; v < size; v++) {
    const kv = frequencyMagnitude(v, size);
    for (let u = 0; u < size; u++) {
      const ku = frequencyMagnitude(u, size);
      const magnitude = shape === 'radial' ? Math.max(Math.hypot(kv, ku), 1) : Math.max(kv, 1) * Math.max(ku, 1);
      filter[v * size + u] = magnitude ** -exponent;
    }
  }
  return filter;
}

/**
 * Filters the 1-D signal `re` (length N) in place: re ← real(IFFT(filter · FFT(re))). `im` is scratch space of
 * the same length.
 */
export function filterSignal1d(re: Float64Array, im: Float64Array, filter: Float64Array): void {
  const transform = getComplexFft(re.length);
  im.fill(0);
  transform.transform(re, im);
  for (let j = 0; j < re.length; j++) {
    re[j] *= filter[j];
    im[j] *= filter[j];
  }
  transform.transform(re, im, 0, 1, true);
}

/**
 * Filters two real [size, size] fields at once, in place: `re` holds the first and `im` the second. Because the
 * filter is real and even (filter[−k] = filter[k]), IFFT(filter · FFT(a + ib)) = filter∗a + i·filter∗b, so one
 * complex transform pair filters both.
 */
export function filterFieldPair2d(re: Float64Array, im: Float64Array, size: number, filter: Float64Array): void {
  fft2d(re, im, size, size);
  for (let j = 0; j < re.length; j++) {
    re[j] *= filter[j];
    im[j] *= filter[j];
  }
  fft2d(re, im, size, size, true);
}
