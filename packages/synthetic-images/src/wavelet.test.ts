import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RandomStream } from '@gahb/core';
import { ComplexFft } from './fft';
import {
  DB2_HIGH_PASS,
  DB2_LOW_PASS,
  coefficientCount,
  db2Downsample,
  dwt1d,
  dwt2d,
  idwt1d,
  idwt2d,
  type WaveletBorder,
} from './wavelet';

// db2 scaling coefficients to 16 digits as PyWavelets lists them (db2 rec_lo).
const PUBLISHED_DB2 = [0.4829629131445341, 0.8365163037378079, 0.2241438680420134, -0.1294095225512604];

function randomSignal(length: number, seed: number): Float64Array {
  return RandomStream.fromSeed(seed, 'wavelet-test').fillUniform(new Float64Array(length), -1, 1);
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return max;
}

function energy(values: Float64Array): number {
  return values.reduce((sum, value) => sum + value * value, 0);
}

describe('db2 filters', () => {
  test('low-pass matches published coefficients', () => {
    for (let n = 0; n < 4; n++) {
      expect(Math.abs(DB2_LOW_PASS[n] - PUBLISHED_DB2[n])).toBeLessThan(1e-15);
    }
  });

  test('low-pass sums to sqrt 2 and is orthonormal to its even shifts', () => {
    const [h0, h1, h2, h3] = DB2_LOW_PASS;
    expect(h0 + h1 + h2 + h3).toBeCloseTo(Math.SQRT2, 14);
    expect(h0 * h0 + h1 * h1 + h2 * h2 + h3 * h3).toBeCloseTo(1, 14);
    expect(h0 * h2 + h1 * h3).toBeCloseTo(0, 14);
  });

  test('high-pass has two vanishing moments', () => {
    const moment0 = DB2_HIGH_PASS.reduce((sum, value) => sum + value, 0);
    const moment1 = DB2_HIGH_PASS.reduce((sum, value, n) => sum + n * value, 0);
    expect(moment0).toBeCloseTo(0, 14);
    expect(moment1).toBeCloseTo(0, 14);
  });
});

describe('dwt1d', () => {
  const cases: Array<[WaveletBorder, number]> = [
    ['periodization', 2],
    ['periodization', 8],
    ['periodization', 80],
    ['reflect', 4],
    ['reflect', 9],
    ['reflect', 80],
  ];

  test.each(cases)('%s border reconstructs length %i exactly', (border, length) => {
    const signal = randomSignal(length, length);
    const coefficients = dwt1d(signal, border);
    const reconstructed = idwt1d(coefficients, length, border);
    // Tolerance: 1e-13 absolute on values in [−1, 1].
    expect(maxDifference(reconstructed, signal)).toBeLessThan(1e-13);
  });

  test('reflect border gives PyWavelets coefficient count', () => {
    expect(coefficientCount(160, 'reflect')).toBe(81);
    expect(coefficientCount(9, 'reflect')).toBe(6);
    expect(coefficientCount(160, 'periodization')).toBe(80);
  });

  test('periodization preserves energy', () => {
    const signal = randomSignal(64, 3);
    const { approximation, detail } = dwt1d(signal, 'periodization');
    expect(energy(approximation) + energy(detail)).toBeCloseTo(energy(signal), 10);
  });

  test('detail of linear ramp is zero away from borders', () => {
    // Two vanishing moments: a linear signal has no detail where the filter does not wrap around, which with
    // periodization happens at the first and the last coefficient.
    const ramp = new Float64Array(32).map((_, i) => 0.25 + 0.1 * i);
    const { detail } = dwt1d(ramp, 'periodization');
    for (let k = 1; k < detail.length - 1; k++) {
      expect(Math.abs(detail[k])).toBeLessThan(1e-12);
    }
    expect(Math.abs(detail[0])).toBeGreaterThan(0.1);
    expect(Math.abs(detail[detail.length - 1])).toBeGreaterThan(0.1);
  });

  test('rejects odd length with periodization', () => {
    expect(() => dwt1d(new Float64Array(7), 'periodization')).toThrow('length 7 is invalid with periodization');
  });
});

describe('PyWavelets agreement', () => {
  // Fixture written by test/fixtures/make-db2-fixture.py with PyWavelets' dwt and dwt2. Tolerance 1e-12.
  interface FixtureCase {
    kind: '1d' | '2d';
    mode: WaveletBorder;
    signal?: number[];
    approximation?: number[];
    detail?: number[];
    height?: number;
    width?: number;
    image?: number[];
    ll?: number[];
    lh?: number[];
    hl?: number[];
    hh?: number[];
  }
  const fixture = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'db2-pywt.json'), 'utf8'),
  ) as { dec_lo: number[]; cases: FixtureCase[] };

  test('dec_lo is reversed low-pass', () => {
    for (let n = 0; n < 4; n++) {
      expect(Math.abs(fixture.dec_lo[n] - DB2_LOW_PASS[3 - n])).toBeLessThan(1e-12);
    }
  });

  test.each(fixture.cases.filter((entry) => entry.kind === '1d').map((entry) => [entry.mode, entry.signal!.length, entry]))(
    'dwt1d matches pywt.dwt with %s border, length %i',
    (_mode, _length, entry) => {
      const { approximation, detail } = dwt1d(Float64Array.from(entry.signal!), entry.mode);
      expect(approximation.length).toBe(entry.approximation!.length);
      expect(maxDifference(approximation, Float64Array.from(entry.approximation!))).toBeLessThan(1e-12);
      expect(maxDifference(detail, Float64Array.from(entry.detail!))).toBeLessThan(1e-12);
    },
  );

  test.each(fixture.cases.filter((entry) => entry.kind === '2d').map((entry) => [entry.mode, entry.height, entry.width, entry]))(
    'dwt2d matches pywt.dwt2 with %s border, %i x %i',
    (_mode, _height, _width, entry) => {
      const bands = dwt2d(Float64Array.from(entry.image!), entry.height!, entry.width!, entry.mode);
      expect(bands.ll.length).toBe(entry.ll!.length);
      expect(maxDifference(bands.ll, Float64Array.from(entry.ll!))).toBeLessThan(1e-12);
      expect(maxDifference(bands.lh, Float64Array.from(entry.lh!))).toBeLessThan(1e-12);
      expect(maxDifference(bands.hl, Float64Array.from(entry.hl!))).toBeLessThan(1e-12);
      expect(maxDifference(bands.hh, Float64Array.from(entry.hh!))).toBeLessThan(1e-12);
    },
  );
});

describe('dwt2d', () => {
  const cases: Array<[WaveletBorder, number, number]> = [
    ['periodization', 16, 24],
    ['reflect', 17, 10],
  ];

  test.each(cases)('%s border reconstructs %i x %i exactly', (border, height, width) => {
    const image = randomSignal(height * width, height + width);
    const bands = dwt2d(image, height, width, border);
    const reconstructed = idwt2d(bands, height, width, border);
    expect(maxDifference(reconstructed, image)).toBeLessThan(1e-13);
  });

  test('horizontal edge lands in hl band only', () => {
    // Rows 0–7 are 0 and rows 8–15 are 1: only filters along the height axis see the edge.
    const image = new Float64Array(16 * 16).map((_, i) => (Math.floor(i / 16) >= 8 ? 1 : 0));
    const bands = dwt2d(image, 16, 16, 'periodization');
    expect(energy(bands.hl)).toBeGreaterThan(0.1);
    expect(energy(bands.lh)).toBeLessThan(1e-20);
    expect(energy(bands.hh)).toBeLessThan(1e-20);
  });
});

describe('db2Downsample', () => {
  test('keeps a constant image constant', () => {
    const image = new Float64Array(32 * 32).fill(0.7);
    const result = db2Downsample(image, 32, 32, 2);
    expect(result.length).toBe(64);
    for (const value of result) {
      expect(value).toBeCloseTo(0.7, 12);
    }
  });

  test('preserves mean intensity of random image', () => {
    const image = randomSignal(40 * 40, 9);
    const result = db2Downsample(image, 40, 40, 1);
    const mean = (values: Float64Array): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(result)).toBeCloseTo(mean(image), 12);
  });

  test('equals ll band divided by 2', () => {
    const image = randomSignal(16 * 16, 10);
    const bands = dwt2d(image, 16, 16, 'periodization');
    const result = db2Downsample(image, 16, 16, 1);
    expect(maxDifference(result, bands.ll.map((value) => value / 2))).toBeLessThan(1e-14);
  });

  test('low-pass passes closed-form energy above new Nyquist', () => {
    // The db2 low-pass normalised to unit DC gain, h/√2, has the closed-form power response
    // |m0(f)|² = cos⁴(πf)·(1 + 2·sin²(πf)) at f cycles per sample. On white noise the
    // fraction of power kept above the new Nyquist frequency ¼ is the mean of |m0|² over (¼, ½), computed here by
    // the midpoint rule; it is about 0.15.
    const response = (f: number): number => Math.cos(Math.PI * f) ** 4 * (1 + 2 * Math.sin(Math.PI * f) ** 2);
    let expected = 0;
    const steps = 10000;
    for (let i = 0; i < steps; i++) {
      expected += response(0.25 + (0.25 * (i + 0.5)) / steps) / steps;
    }

    const length = 4096;
    const signal = randomSignal(length, 21);
    const filtered = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      for (let n = 0; n < 4; n++) {
        filtered[i] += (DB2_LOW_PASS[n] / Math.SQRT2) * signal[(i + n) % length];
      }
    }
    const bandPower = (values: Float64Array): number => {
      const re = values.slice();
      const im = new Float64Array(length);
      new ComplexFft(length).transform(re, im);
      let total = 0;
      for (let k = length / 4 + 1; k <= length / 2; k++) {
        total += re[k] * re[k] + im[k] * im[k];
      }
      return total;
    };
    const measured = bandPower(filtered) / bandPower(signal);
    // Tolerance 10 % relative: the noise's own spectrum fluctuates around flat over the 1024 frequencies.
    expect(expected).toBeLessThan(0.2);
    expect(Math.abs(measured / expected - 1)).toBeLessThan(0.1);
  });

  test('rejects sides not divisible by 2^levels', () => {
    expect(() => db2Downsample(new Float64Array(36), 6, 6, 2)).toThrow('multiples of 2^levels');
  });
});
