/**
 * The Daubechies-2 (db2, four taps, two vanishing moments) orthogonal wavelet transform in one and two
 * dimensions, and the db2 low-pass downsampling used to antialias synthetic images.
 *
 * Filters: the Daubechies scaling filter with two vanishing moments, h = [1 + √3, 3 + √3, 3 − √3, 1 − √3] / (4√2),
 * and the wavelet filter g[n] = (−1)^n h[3 − n]. PyWavelets lists h as db2 `rec_lo` and its reverse as `dec_lo`.
 *
 * Analysis: a[k] = Σ_n h[n] x[2k + s + n], d[k] = Σ_n g[n] x[2k + s + n] for n = 0 … 3, where samples outside
 * [0, N) come from the border extension:
 * - 'periodization': x is N-periodic and s = −1, so N (even) samples give N/2 coefficients of each kind.
 * - 'reflect': x is mirrored without repeating the edge sample (… x2 x1 | x0 x1 … x(N−1) | x(N−2) …) and
 *   s = −2, so N samples give ⌊(N + 3) / 2⌋ coefficients.
 * Both modes give the values of PyWavelets' `dwt` and `dwt2` with the same mode names (tested against a fixture).
 * Synthesis is the transpose, x[2k + s + n] += h[n] a[k] + g[n] d[k], which inverts the analysis exactly in both
 * modes because the analysis is orthogonal on the extended signal and every sample of [0, N) is covered by
 * coefficients that are kept.
 */

const SQRT3 = Math.sqrt(3);
const NORMALIZATION = 4 * Math.SQRT2;

/** db2 scaling (low-pass) filter h, sum √2, unit norm. */
export const DB2_LOW_PASS: readonly number[] = Object.freeze([
  (1 + SQRT3) / NORMALIZATION,
  (3 + SQRT3) / NORMALIZATION,
  (3 - SQRT3) / NORMALIZATION,
  (1 - SQRT3) / NORMALIZATION,
]);

/** db2 wavelet (high-pass) filter g[n] = (−1)^n h[3 − n], sum 0. */
export const DB2_HIGH_PASS: readonly number[] = Object.freeze([
  DB2_LOW_PASS[3],
  -DB2_LOW_PASS[2],
  DB2_LOW_PASS[1],
  -DB2_LOW_PASS[0],
]);

/** Border extension of a signal beyond its ends. */
export type WaveletBorder = 'periodization' | 'reflect';

/** Coefficients of a one-level 1-D transform. */
export interface WaveletCoefficients1d {
  approximation: Float64Array;
  detail: Float64Array;
}

/**
 * Subbands of a one-level 2-D transform, each [bandHeight, bandWidth] in C order. The first letter of a band
 * is the filter applied along the height axis, the second the filter along the width axis (l = low, h = high),
 * so `lh` contains vertical edges and `hl` horizontal ones.
 */
export interface WaveletBands2d {
  ll: Float64Array;
  lh: Float64Array;
  hl: Float64Array;
  hh: Float64Array;
  bandHeight: number;
  bandWidth: number;
}

/** Number of coefficients of each kind that a length-`length` signal gives with `border`. */
export function coefficientCount(length: number, border: WaveletBorder): number {
  checkLength(length, border);
  return border === 'periodization' ? length / 2 : Math.floor((length + 3) / 2);
}

function checkLength(length: number, border: WaveletBorder): void {
  if (border === 'periodization' && (!Number.isSafeInteger(length) || length < 2 || length % 2 !== 0)) {
    throw new Error(`db2 transform: length ${length} is invalid with periodization: use an even length ≥ 2.`);
  }
  if (border === 'reflect' && (!Number.isSafeInteger(length) || length < 4)) {
    throw new Error(`db2 transform: length ${length} is invalid with reflect borders: use a length ≥ 4.`);
  }
  if (border !== 'periodization' && border !== 'reflect') {
    throw new Error(`db2 transform: border "${String(border)}" is invalid: use periodization or reflect.`);
  }
}

/** Index into [0, length) of the extended sample `index`. */
function extendIndex(index: number, length: number, border: WaveletBorder): number {
  if (border === 'periodization') {
    return ((index % length) + length) % length;
  }
  if (index < 0) {
    return -index;
  }
  if (index >= length) {
    return 2 * (length - 1) - index;
  }
  return index;
}

/** Offset s of the first filter tap: coefficient k reads samples 2k + s … 2k + s + 3. */
function firstTap(border: WaveletBorder): number {
  return border === 'periodization' ? -1 : -2;
}

/**
 * One-level db2 analysis of the `length` samples signal[offset + j·stride] into `approximation` and `detail`
 * (written at bandOffset + k·bandStride).
 */
function analyzeLine(
  signal: Float64Array,
  offset: number,
  stride: number,
  length: number,
  border: WaveletBorder,
  approximation: Float64Array,
  detail: Float64Array,
  bandOffset: number,
  bandStride: number,
): void {
  const count = coefficientCount(length, border);
  const shift = firstTap(border);
  for (let k = 0; k < count; k++) {
    let low = 0;
    let high = 0;
    for (let n = 0; n < 4; n++) {
      const value = signal[offset + extendIndex(2 * k + shift + n, length, border) * stride];
      low += DB2_LOW_PASS[n] * value;
      high += DB2_HIGH_PASS[n] * value;
    }
    approximation[bandOffset + k * bandStride] = low;
    detail[bandOffset + k * bandStride] = high;
  }
}

/** Transpose of {@link analyzeLine}: adds the synthesis of one line into `signal` (which starts at zero). */
function synthesizeLine(
  approximation: Float64Array,
  detail: Float64Array,
  bandOffset: number,
  bandStride: number,
  length: number,
  border: WaveletBorder,
  signal: Float64Array,
  offset: number,
  stride: number,
): void {
  const count = coefficientCount(length, border);
  const shift = firstTap(border);
  for (let k = 0; k < count; k++) {
    const low = approximation[bandOffset + k * bandStride];
    const high = detail[bandOffset + k * bandStride];
    for (let n = 0; n < 4; n++) {
      const position = 2 * k + shift + n;
      // With reflect borders the extended samples outside [0, length) are not part of the signal.
      if (border === 'reflect' && (position < 0 || position >= length)) {
        continue;
      }
      const index = extendIndex(position, length, border);
      signal[offset + index * stride] += DB2_LOW_PASS[n] * low + DB2_HIGH_PASS[n] * high;
    }
  }
}

/** One-level db2 transform of a 1-D signal. */
export function dwt1d(signal: Float64Array, border: WaveletBorder = 'periodization'): WaveletCoefficients1d {
  const count = coefficientCount(signal.length, border);
  const approximation = new Float64Array(count);
  const detail = new Float64Array(count);
  analyzeLine(signal, 0, 1, signal.length, border, approximation, detail, 0, 1);
  return { approximation, detail };
}

/** Inverse of {@link dwt1d}: reconstructs the `length` samples from their coefficients. */
export function idwt1d(
  coefficients: WaveletCoefficients1d,
  length: number,
  border: WaveletBorder = 'periodization',
): Float64Array {
  const count = coefficientCount(length, border);
  if (coefficients.approximation.length !== count || coefficients.detail.length !== count) {
    throw new Error(`idwt1d: a length-${length} signal needs ${count} coefficients of each kind with ${border} borders.`);
  }
  const signal = new Float64Array(length);
  synthesizeLine(coefficients.approximation, coefficients.detail, 0, 1, length, border, signal, 0, 1);
  return signal;
}

/** One-level separable db2 transform of a [height, width] image (C order): rows first, then columns. */
export function dwt2d(
  image: Float64Array,
  height: number,
  width: number,
  border: WaveletBorder = 'periodization',
): WaveletBands2d {
  if (image.length !== height * width) {
    throw new Error(`dwt2d: image of ${image.length} values does not match ${height} × ${width}.`);
  }
  const bandHeight = coefficientCount(height, border);
  const bandWidth = coefficientCount(width, border);

  // Filter along the width axis: rowLow/rowHigh are [height, bandWidth].
  const rowLow = new Float64Array(height * bandWidth);
  const rowHigh = new Float64Array(height * bandWidth);
  for (let y = 0; y < height; y++) {
    analyzeLine(image, y * width, 1, width, border, rowLow, rowHigh, y * bandWidth, 1);
  }

  // Filter along the height axis.
  const ll = new Float64Array(bandHeight * bandWidth);
  const hl = new Float64Array(bandHeight * bandWidth);
  const lh = new Float64Array(bandHeight * bandWidth);
  const hh = new Float64Array(bandHeight * bandWidth);
  for (let x = 0; x < bandWidth; x++) {
    analyzeLine(rowLow, x, bandWidth, height, border, ll, hl, x, bandWidth);
    analyzeLine(rowHigh, x, bandWidth, height, border, lh, hh, x, bandWidth);
  }
  return { ll, lh, hl, hh, bandHeight, bandWidth };
}

/** Inverse of {@link dwt2d}: reconstructs the [height, width] image from its four subbands. */
export function idwt2d(
  bands: WaveletBands2d,
  height: number,
  width: number,
  border: WaveletBorder = 'periodization',
): Float64Array {
  const bandHeight = coefficientCount(height, border);
  const bandWidth = coefficientCount(width, border);
  if (bands.bandHeight !== bandHeight || bands.bandWidth !== bandWidth) {
    throw new Error(
      `idwt2d: a ${height} × ${width} image needs ${bandHeight} × ${bandWidth} subbands with ${border} borders, ` +
        `not ${bands.bandHeight} × ${bands.bandWidth}.`,
    );
  }

  const rowLow = new Float64Array(height * bandWidth);
  const rowHigh = new Float64Array(height * bandWidth);
  for (let x = 0; x < bandWidth; x++) {
    synthesizeLine(bands.ll, bands.hl, x, bandWidth, height, border, rowLow, x, bandWidth);
    synthesizeLine(bands.lh, bands.hh, x, bandWidth, height, border, rowHigh, x, bandWidth);
  }

  const image = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    synthesizeLine(rowLow, rowHigh, y * bandWidth, 1, width, border, image, y * width, 1);
  }
  return image;
}

/** Input indices of the four taps of each periodized approximation of a length-`length` line, 4 per output. */
function periodizedTaps(length: number): Int32Array {
  const taps = new Int32Array(2 * length);
  const shift = firstTap('periodization');
  for (let k = 0; k < length / 2; k++) {
    for (let n = 0; n < 4; n++) {
      taps[4 * k + n] = extendIndex(2 * k + shift + n, length, 'periodization');
    }
  }
  return taps;
}

/**
 * Downsamples a [height, width] image by 2^levels with `levels` db2 approximations (periodization), each divided
 * by 2 so that intensities keep their range: the 2-D low-pass gain is (Σh)² = 2, and the mean intensity is
 * preserved exactly. height and width must be multiples of 2^levels.
 */
export function db2Downsample(image: Float64Array, height: number, width: number, levels: number): Float64Array {
  const factor = 2 ** levels;
  if (!Number.isSafeInteger(levels) || levels < 0 || height % factor !== 0 || width % factor !== 0) {
    throw new Error(
      `db2Downsample: ${levels} levels are invalid for a ${height} × ${width} image: ` +
        'the sides must be multiples of 2^levels.',
    );
  }

  let current = image;
  let currentHeight = height;
  let currentWidth = width;
  for (let level = 0; level < levels; level++) {
    const nextHeight = currentHeight / 2;
    const nextWidth = currentWidth / 2;

    // Low-pass along the width, then along the height; only the approximation band is computed. Output k reads
    // input samples 2k − 1 … 2k + 2 (periodization), so only the first and last outputs wrap around.
    const [h0, h1, h2, h3] = DB2_LOW_PASS;
    const columnTaps = periodizedTaps(currentWidth);
    const rows = new Float64Array(currentHeight * nextWidth);
    for (let y = 0; y < currentHeight; y++) {
      const source = y * currentWidth;
      const target = y * nextWidth;
      for (let k = 0; k < nextWidth; k++) {
        if (k > 0 && k < nextWidth - 1) {
          const x = source + 2 * k - 1;
          rows[target + k] = h0 * current[x] + h1 * current[x + 1] + h2 * current[x + 2] + h3 * current[x + 3];
          continue;
        }
        const tap = 4 * k;
        rows[target + k] =
          h0 * current[source + columnTaps[tap]] +
          h1 * current[source + columnTaps[tap + 1]] +
          h2 * current[source + columnTaps[tap + 2]] +
          h3 * current[source + columnTaps[tap + 3]];
      }
    }
    const rowTaps = periodizedTaps(currentHeight);
    const next = new Float64Array(nextHeight * nextWidth);
    for (let k = 0; k < nextHeight; k++) {
      const row0 = rowTaps[4 * k] * nextWidth;
      const row1 = rowTaps[4 * k + 1] * nextWidth;
      const row2 = rowTaps[4 * k + 2] * nextWidth;
      const row3 = rowTaps[4 * k + 3] * nextWidth;
      const target = k * nextWidth;
      for (let x = 0; x < nextWidth; x++) {
        next[target + x] =
          0.5 * (h0 * rows[row0 + x] + h1 * rows[row1 + x] + h2 * rows[row2 + x] + h3 * rows[row3 + x]);
      }
    }

    current = next;
    currentHeight = nextHeight;
    currentWidth = nextWidth;
  }
  return levels === 0 ? image.slice() : current;
}

/**
 * Input position on which a periodized approximation coefficient k is centred, minus 2k: the first tap offset −1
 * plus the filter's centre of mass Σ n·h[n] / Σ h[n] ≈ 0.634, so about −0.366. Renderers use it so that
 * parameters refer to output pixel positions.
 */
export const DB2_APPROXIMATION_CENTER =
  firstTap('periodization') +
  DB2_LOW_PASS.reduce((sum, value, n) => sum + n * value, 0) / DB2_LOW_PASS.reduce((sum, value) => sum + value, 0);

/**
 * Position, in output pixel units, of sample i of a grid rendered 2^levels times finer and then downsampled by
 * {@link db2Downsample}: i / 2^levels − c·(1 − 2^−levels), with c = DB2_APPROXIMATION_CENTER, because each level maps
 * input position u to (u − c) / 2. Output pixel j is centred on position j.
 */
export function fineSamplePosition(index: number, levels: number): number {
  const factor = 2 ** levels;
  return index / factor - DB2_APPROXIMATION_CENTER * (1 - 1 / factor);
}
