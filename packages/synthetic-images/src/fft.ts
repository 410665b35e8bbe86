/**
 * Complex discrete Fourier transforms of any length, in place on split real/imaginary Float64Arrays,
 * built on fft.js (radix-4, power-of-two lengths only).
 *
 * A length N = 2^p · m with m odd is computed by the Good-Thomas prime-factor algorithm:
 * because 2^p and m are coprime, the index maps n = (m·n1 + 2^p·n2) mod N and k ≡ k1 (mod 2^p), k ≡ k2 (mod m)
 * turn the length-N DFT into a 2^p × m two-dimensional DFT without twiddle factors. fft.js computes the
 * 2^p-point transforms; the m-point ones use closed-form 3- and 5-point DFTs and a direct O(m²) DFT otherwise. The study's images are 80 × 80 (80 = 16 · 5), so
 * this keeps the fields periodic on the image grid, as the study's numpy code makes them, at a cost close to a
 * power-of-two FFT. Generating at the next power of two (128) and cropping would change the fields' periodicity
 * and cost 2.6 times more random numbers and FFT work per image. Lengths with a large odd factor (a prime such
 * as 79) fall back to the direct DFT and are slow but correct.
 *
 * Sign convention: forward X[k] = Σ_n x[n] exp(−2πi nk / N); inverse x[n] = (1/N) Σ_k X[k] exp(+2πi nk / N).
 */
import FFT from 'fft.js';

export class ComplexFft {
  /** Transform length N. */
  readonly size: number;
  /** Power-of-two factor 2^p of N (1 when N is odd). */
  private readonly powerOfTwo: number;
  /** Odd factor m of N. */
  private readonly oddFactor: number;
  private readonly radix4: FFT | null;
  /** Input map: position n2·2^p + n1 of the 2-D array reads x[(m·n1 + 2^p·n2) mod N]. */
  private readonly inputIndex: Int32Array;
  /** Output map: position k1·m + k2 of the 2-D result is X[k] with k ≡ k1 (mod 2^p), k ≡ k2 (mod m). */
  private readonly outputIndex: Int32Array;
  /** cos and sin of 2πj/m for j in [0, m). */
  private readonly oddCos: Float64Array;
  private readonly oddSin: Float64Array;
  /** fft.js input, 2^p interleaved complex values. */
  private readonly radix4Input: Float64Array;
  /** fft.js outputs for every n2, flat: the value (n2, k1) is at 2·(n2·2^p + k1). */
  private readonly radix4Output: Float64Array;
  /** Views of `radix4Output`, one per n2, for fft.js to write into. */
  private readonly radix4OutputRows: Float64Array[];

  /** @param size Transform length, a positive integer. */
  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new Error(`ComplexFft: size ${size} is invalid: use a positive integer.`);
    }
    this.size = size;

    let powerOfTwo = 1;
    while (size % (powerOfTwo * 2) === 0) {
      powerOfTwo *= 2;
    }
    this.powerOfTwo = powerOfTwo;
    this.oddFactor = size / powerOfTwo;
    this.radix4 = powerOfTwo >= 2 ? new FFT(powerOfTwo) : null;

    const m = this.oddFactor;
    this.inputIndex = new Int32Array(size);
    for (let n2 = 0; n2 < m; n2++) {
      for (let n1 = 0; n1 < powerOfTwo; n1++) {
        this.inputIndex[n2 * powerOfTwo + n1] = (m * n1 + powerOfTwo * n2) % size;
      }
    }
    this.outputIndex = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      this.outputIndex[(k % powerOfTwo) * m + (k % m)] = k;
    }

    this.oddCos = new Float64Array(m);
    this.oddSin = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      this.oddCos[j] = Math.cos((2 * Math.PI * j) / m);
      this.oddSin[j] = Math.sin((2 * Math.PI * j) / m);
    }

    this.radix4Input = new Float64Array(2 * powerOfTwo);
    this.radix4Output = new Float64Array(2 * size);
    this.radix4OutputRows = [];
    for (let n2 = 0; n2 < m; n2++) {
      this.radix4OutputRows.push(this.radix4Output.subarray(2 * n2 * powerOfTwo, 2 * (n2 + 1) * powerOfTwo));
    }
  }

  /**
   * Transforms the N values re[offset + j·stride], im[offset + j·stride] (j in [0, N)) in place.
   * `inverse` computes the inverse DFT, including the 1/N factor.
   */
  transform(re: Float64Array, im: Float64Array, offset = 0, stride = 1, inverse = false): void {
    const m = this.oddFactor;
    const p = this.powerOfTwo;
    // The inverse DFT is the conjugate of the forward DFT of the conjugate, divided by N.
    const sign = inverse ? -1 : 1;
    const scale = inverse ? 1 / this.size : 1;

    // Step 1: 2^p-point DFTs over n1 for each n2, on the Good-Thomas permuted input.
    const input = this.radix4Input;
    for (let n2 = 0; n2 < m; n2++) {
      const base = n2 * p;
      const output = this.radix4OutputRows[n2];
      const target = this.radix4 === null ? output : input;
      for (let n1 = 0; n1 < p; n1++) {
        const source = offset + this.inputIndex[base + n1] * stride;
        target[2 * n1] = re[source];
        target[2 * n1 + 1] = sign * im[source];
      }
      if (this.radix4 !== null) {
        this.radix4.transform(output, input);
      }
    }

    // Step 2: m-point DFTs over n2 for each k1, written to the output positions of the CRT map. Step 1 copied
    // the whole input, so writing into re and im here is safe.
    const values = this.radix4Output;
    const rowStride = 2 * p;
    const outputIndex = this.outputIndex;
    if (m === 5) {
      this.fivePoint(values, rowStride, re, im, offset, stride, sign * scale, scale);
      return;
    }
    for (let k1 = 0; k1 < p; k1++) {
      const column = 2 * k1;
      const outputBase = k1 * m;
      if (m === 1) {
        const k = offset + outputIndex[outputBase] * stride;
        re[k] = values[column] * scale;
        im[k] = sign * values[column + 1] * scale;
      } else if (m === 3) {
        this.threePoint(values, column, rowStride, re, im, offset, stride, outputBase, sign * scale, scale);
      } else {
        this.directDft(values, column, rowStride, re, im, offset, stride, outputBase, sign * scale, scale);
      }
    }
  }

  /** Direct m-point DFT of values[column + n2·rowStride] (interleaved complex), any odd m. */
  private directDft(
    values: Float64Array,
    column: number,
    rowStride: number,
    re: Float64Array,
    im: Float64Array,
    offset: number,
    stride: number,
    outputBase: number,
    imaginaryScale: number,
    realScale: number,
  ): void {
    const m = this.oddFactor;
    for (let k2 = 0; k2 < m; k2++) {
      let sumRe = 0;
      let sumIm = 0;
      let phase = 0;
      for (let n2 = 0; n2 < m; n2++) {
        const valueRe = values[column + n2 * rowStride];
        const valueIm = values[column + n2 * rowStride + 1];
        const c = this.oddCos[phase];
        const s = this.oddSin[phase];
        // Multiply by exp(−2πi·n2·k2/m).
        sumRe += valueRe * c + valueIm * s;
        sumIm += valueIm * c - valueRe * s;
        phase += k2;
        if (phase >= m) {
          phase -= m;
        }
      }
      const k = offset + this.outputIndex[outputBase + k2] * stride;
      re[k] = sumRe * realScale;
      im[k] = sumIm * imaginaryScale;
    }
  }

  /** 3-point DFT: X1,2 = x0 − (x1 + x2)/2 ∓ i(√3/2)(x1 − x2). */
  private threePoint(
    values: Float64Array,
    column: number,
    rowStride: number,
    re: Float64Array,
    im: Float64Array,
    offset: number,
    stride: number,
    outputBase: number,
    imaginaryScale: number,
    realScale: number,
  ): void {
    const x0r = values[column];
    const x0i = values[column + 1];
    const x1r = values[column + rowStride];
    const x1i = values[column + rowStride + 1];
    const x2r = values[column + 2 * rowStride];
    const x2i = values[column + 2 * rowStride + 1];
    const tr = x1r + x2r;
    const ti = x1i + x2i;
    const ar = x0r - 0.5 * tr;
    const ai = x0i - 0.5 * ti;
    const br = HALF_SQRT3 * (x1r - x2r);
    const bi = HALF_SQRT3 * (x1i - x2i);
    const index = this.outputIndex;
    this.store(re, im, offset + index[outputBase] * stride, x0r + tr, x0i + ti, realScale, imaginaryScale);
    this.store(re, im, offset + index[outputBase + 1] * stride, ar + bi, ai - br, realScale, imaginaryScale);
    this.store(re, im, offset + index[outputBase + 2] * stride, ar - bi, ai + br, realScale, imaginaryScale);
  }

  /**
   * 5-point DFT with the symmetric pairs t1 = x1 + x4, t2 = x2 + x3, t3 = x1 − x4, t4 = x2 − x3:
   * X1,4 = x0 + c1·t1 + c2·t2 ∓ i(s1·t3 + s2·t4) and X2,3 = x0 + c2·t1 + c1·t2 ∓ i(s2·t3 − s1·t4),
   * with c_j = cos(2πj/5), s_j = sin(2πj/5).
   */
  private fivePoint(
    values: Float64Array,
    rowStride: number,
    re: Float64Array,
    im: Float64Array,
    offset: number,
    stride: number,
    imaginaryScale: number,
    realScale: number,
  ): void {
    const index = this.outputIndex;
    for (let k1 = 0; k1 < this.powerOfTwo; k1++) {
      const column = 2 * k1;
      const x0r = values[column];
      const x0i = values[column + 1];
      const x1r = values[column + rowStride];
      const x1i = values[column + rowStride + 1];
      const x2r = values[column + 2 * rowStride];
      const x2i = values[column + 2 * rowStride + 1];
      const x3r = values[column + 3 * rowStride];
      const x3i = values[column + 3 * rowStride + 1];
      const x4r = values[column + 4 * rowStride];
      const x4i = values[column + 4 * rowStride + 1];
      const t1r = x1r + x4r;
      const t1i = x1i + x4i;
      const t2r = x2r + x3r;
      const t2i = x2i + x3i;
      const t3r = x1r - x4r;
      const t3i = x1i - x4i;
      const t4r = x2r - x3r;
      const t4i = x2i - x3i;
      const a1r = x0r + COS_1 * t1r + COS_2 * t2r;
      const a1i = x0i + COS_1 * t1i + COS_2 * t2i;
      const a2r = x0r + COS_2 * t1r + COS_1 * t2r;
      const a2i = x0i + COS_2 * t1i + COS_1 * t2i;
      const b1r = SIN_1 * t3r + SIN_2 * t4r;
      const b1i = SIN_1 * t3i + SIN_2 * t4i;
      const b2r = SIN_2 * t3r - SIN_1 * t4r;
      const b2i = SIN_2 * t3i - SIN_1 * t4i;

      // a − i·b = (a_r + b_i) + i(a_i − b_r); a + i·b = (a_r − b_i) + i(a_i + b_r).
      const outputBase = k1 * 5;
      let k = offset + index[outputBase] * stride;
      re[k] = (x0r + t1r + t2r) * realScale;
      im[k] = (x0i + t1i + t2i) * imaginaryScale;
      k = offset + index[outputBase + 1] * stride;
      re[k] = (a1r + b1i) * realScale;
      im[k] = (a1i - b1r) * imaginaryScale;
      k = offset + index[outputBase + 2] * stride;
      re[k] = (a2r + b2i) * realScale;
      im[k] = (a2i - b2r) * imaginaryScale;
      k = offset + index[outputBase + 3] * stride;
      re[k] = (a2r - b2i) * realScale;
      im[k] = (a2i + b2r) * imaginaryScale;
      k = offset + index[outputBase + 4] * stride;
      re[k] = (a1r - b1i) * realScale;
      im[k] = (a1i + b1r) * imaginaryScale;
    }
  }

  private store(
    re: Float64Array,
    im: Float64Array,
    position: number,
    valueRe: number,
    valueIm: number,
    realScale: number,
    imaginaryScale: number,
  ): void {
    re[position] = valueRe * realScale;
    im[position] = valueIm * imaginaryScale;
  }
}

const HALF_SQRT3 = Math.sqrt(3) / 2;
const COS_1 = Math.cos((2 * Math.PI) / 5);
const COS_2 = Math.cos((4 * Math.PI) / 5);
const SIN_1 = Math.sin((2 * Math.PI) / 5);
const SIN_2 = Math.sin((4 * Math.PI) / 5);

/** Cache of transforms by length, because building the tables costs more than one transform. */
const transforms = new Map<number, ComplexFft>();

/** Returns the shared {@link ComplexFft} of length `size`. */
export function getComplexFft(size: number): ComplexFft {
  let transform = transforms.get(size);
  if (transform === undefined) {
    transform = new ComplexFft(size);
    transforms.set(size, transform);
  }
  return transform;
}

/**
 * Transforms a height × width complex array (C order, split real/imaginary parts) in place:
 * every row, then every column. `inverse` includes the 1/(height·width) factor.
 */
export function fft2d(re: Float64Array, im: Float64Array, height: number, width: number, inverse = false): void {
  if (re.length !== height * width || im.length !== height * width) {
    throw new Error(`fft2d: arrays of length ${re.length} and ${im.length} do not match ${height} × ${width}.`);
  }
  const rowTransform = getComplexFft(width);
  for (let y = 0; y < height; y++) {
    rowTransform.transform(re, im, y * width, 1, inverse);
  }
  const columnTransform = getComplexFft(height);
  for (let x = 0; x < width; x++) {
    columnTransform.transform(re, im, x, width, inverse);
  }
}
