import { RandomStream, fillSampleNormals, philox4x32, type RandomState } from './random';

function hex(words: ArrayLike<number>): string[] {
  return Array.from(words, (word) => word.toString(16).padStart(8, '0'));
}

describe('philox4x32', () => {
  // Known-answer vectors of the Random123 reference distribution (kat_vectors, philox4x32 with 10 rounds).
  test('matches Random123 for zero counter and key', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  });

  test('matches Random123 for all-ones counter and key', () => {
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  });

  test('matches Random123 for the digits-of-pi vector', () => {
    const out = philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]);
    expect(hex(out)).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });
});

describe('RandomStream', () => {
  test('normal draws have mean 0, variance 1 and normal tails over 10^6 samples', () => {
    const count = 1_000_000;
    const values = RandomStream.fromSeed(2024).fillNormal(new Float64Array(count));
    let sum = 0;
    let sumSquares = 0;
    let sumFourth = 0;
    let beyondTwo = 0;
    for (const value of values) {
      sum += value;
      sumSquares += value * value;
      sumFourth += value ** 4;
      if (Math.abs(value) > 2) {
        beyondTwo++;
      }
    }
    const mean = sum / count;
    const variance = sumSquares / count - mean * mean;
    // Standard errors for 10^6 draws: mean 0.001, variance 0.0014, kurtosis 0.005; tolerances are 5 standard errors.
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1)).toBeLessThan(0.007);
    expect(Math.abs(sumFourth / count - 3)).toBeLessThan(0.025);
    // P(|z| > 2) = 0.0455; standard error 0.00021.
    expect(Math.abs(beyondTwo / count - 0.0455)).toBeLessThan(0.001);
  });

  test('uniform draws lie in (0, 1) with mean 1/2 and variance 1/12', () => {
    const count = 200_000;
    const values = RandomStream.fromSeed(5).fillUniform(new Float64Array(count));
    let sum = 0;
    let sumSquares = 0;
    let outside = 0;
    for (const value of values) {
      if (!(value > 0 && value < 1)) {
        outside++;
      }
      sum += value;
      sumSquares += value * value;
    }
    const mean = sum / count;
    expect(outside).toBe(0);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.004);
    expect(Math.abs(sumSquares / count - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  test('same seed and path give the same stream', () => {
    const first = RandomStream.fromSeed(11, 'noise', 3).fillNormal(new Float32Array(64));
    const second = RandomStream.fromSeed(11, 'noise', 3).fillNormal(new Float32Array(64));
    expect(second).toEqual(first);
  });

  test('different paths give different streams', () => {
    const first = RandomStream.fromSeed(11, 'noise', 3).nextUint32();
    expect(RandomStream.fromSeed(11, 'noise', 4).nextUint32()).not.toBe(first);
    expect(RandomStream.fromSeed(11, 'sigma', 3).nextUint32()).not.toBe(first);
    expect(RandomStream.fromSeed(12, 'noise', 3).nextUint32()).not.toBe(first);
  });

  test('sample streams do not depend on the batch size', () => {
    const sampleSize = 10;
    const whole = fillSampleNormals(new Float32Array(8 * sampleSize), 3, 'initial-noise', 0, sampleSize);
    const tail = fillSampleNormals(new Float32Array(3 * sampleSize), 3, 'initial-noise', 5, sampleSize);
    expect(tail).toEqual(whole.subarray(5 * sampleSize));
  });

  test('saved state continues the stream exactly', () => {
    const stream = RandomStream.fromSeed(9);
    stream.normal();
    stream.nextUint32();
    const restored = RandomStream.fromState(JSON.parse(JSON.stringify(stream.getState())));
    expect(restored.fillNormal(new Float64Array(9))).toEqual(stream.fillNormal(new Float64Array(9)));
  });

  test('damaged state is rejected', () => {
    const state = RandomStream.fromSeed(9).getState();
    expect(() => RandomStream.fromState({} as RandomState)).toThrow('Random state is invalid: key must be 2 unsigned 32-bit integers');
    expect(() => RandomStream.fromState({ ...state, key: ['a', 2] } as unknown as RandomState)).toThrow('key must be');
    expect(() => RandomStream.fromState({ ...state, counter: [0, 0, 0, -1] })).toThrow('counter must be');
    expect(() => RandomStream.fromState({ ...state, spareNormal: 'x' } as unknown as RandomState)).toThrow('spareNormal must be');
    expect(() => RandomStream.fromState({ ...state, index: 5 })).toThrow('index 5 must be an integer from 0 to 4');
  });

  test('invalid counts are rejected', () => {
    expect(() => RandomStream.fromSeed(1).permutation(-1)).toThrow('RandomStream.permutation: count -1 is invalid');
    expect(() => fillSampleNormals(new Float32Array(10), 1, 'noise', 0, -5)).toThrow('sample size -5 is invalid');
    expect(() => fillSampleNormals(new Float32Array(10), 1, 'noise', 0, 0)).toThrow('sample size 0 is invalid');
  });

  test('permutation contains every index once', () => {
    const order = Array.from(RandomStream.fromSeed(1).permutation(100)).sort((a, b) => a - b);
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test('invalid seed is rejected with the value', () => {
    expect(() => RandomStream.fromSeed(-1)).toThrow('Random seed -1 is invalid');
    expect(() => RandomStream.fromSeed(1.5)).toThrow('Random seed 1.5 is invalid');
  });
});
