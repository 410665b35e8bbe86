import * as tf from '@tensorflow/tfjs-core';

import { meanPsnr, perImageMse, psnrFromMse, studyEvalSigmas } from './psnr';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

describe('psnr', () => {
  test('mse 0.01 is 20 dB', () => {
    expect(psnrFromMse([0.01])[0]).toBeCloseTo(20, 10);
  });

  test('meanPsnr averages per-image values', () => {
    // 10 dB and 30 dB average to 20 dB, while the PSNR of the mean MSE (0.0505) would be 12.97 dB.
    expect(meanPsnr([0.1, 0.001])).toBeCloseTo(20, 10);
  });

  test('perImageMse reduces over pixels', () => {
    const a = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1]);
    const b = tf.tensor4d([0.5, 0.5, 0.5, 0.5, 1, 1, 1, 0], [2, 2, 2, 1]);
    expect(Array.from(perImageMse(a, b).dataSync())).toEqual([0.25, 0.25]);
  });

  test('study grid spans 1 to 316 on the 0..255 scale', () => {
    expect(studyEvalSigmas).toHaveLength(10);
    expect(studyEvalSigmas[0] * 255).toBeCloseTo(1, 10);
    expect(studyEvalSigmas[9] * 255).toBeCloseTo(10 ** 2.5, 8);
    expect(studyEvalSigmas[5] * 255).toBeCloseTo(24.48, 2);
  });
});
