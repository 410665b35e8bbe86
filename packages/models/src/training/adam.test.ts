import * as tf from '@tensorflow/tfjs-core';

import { Adam } from './adam';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

describe('Adam', () => {
  test('matches float64 reference for 5 steps', () => {
    // Gradients g_t = 2·θ_{t−1} (loss ‖θ‖²); reference in float64 with PyTorch's update rule.
    const initial = [0.5, -1.25, 3];
    const variable = tf.variable(tf.tensor1d(initial));
    const adam = new Adam(new Map([['theta', variable]]));
    const reference = [...initial];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const learningRate = 0.1;
    for (let t = 1; t <= 5; t++) {
      const gradient = tf.mul(variable, 2);
      adam.apply(new Map([['theta', gradient]]), learningRate);
      gradient.dispose();
      for (let i = 0; i < 3; i++) {
        const g = 2 * reference[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const denominator = Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
        reference[i] -= (learningRate / (1 - 0.9 ** t)) * (m[i] / denominator);
      }
    }
    // Tolerance 1e-5 absolute (float32 arithmetic on values of order 1).
    const actual = variable.dataSync();
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(actual[i] - reference[i])).toBeLessThan(1e-5);
    }
    expect(adam.step).toBe(5);
  });

  test('state round-trips into a new optimizer', () => {
    const first = tf.variable(tf.tensor1d([1, 2]));
    const second = tf.variable(tf.tensor1d([1, 2]));
    const a = new Adam(new Map([['w', first]]));
    const b = new Adam(new Map([['w', second]]));
    const gradient = tf.tensor1d([0.3, -0.7]);
    a.apply(new Map([['w', gradient]]), 0.01);
    second.assign(first);
    b.setState(a.getState(), a.step);
    a.apply(new Map([['w', gradient]]), 0.01);
    b.apply(new Map([['w', gradient]]), 0.01);
    expect(Array.from(second.dataSync())).toEqual(Array.from(first.dataSync()));
  });

  test('missing moment is an error', () => {
    const adam = new Adam(new Map([['w', tf.variable(tf.tensor1d([1]))]]));
    expect(() => adam.setState(new Map(), 3)).toThrow(/missing or mis-shaped for optimizer\.m\.w, optimizer\.v\.w/);
  });
});
