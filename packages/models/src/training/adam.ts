/**
 * The Adam optimizer (Kingma & Ba, "Adam: A method for stochastic optimization", ICLR 2015, Algorithm 1)
 * in PyTorch's formulation, which the study trained with: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε), with β1 = 0.9, β2 = 0.999, ε = 1e-8.
 *
 * gahb uses this instead of tf.train.adam because its whole state (m, v, t) is explicit. tf.train.adam's
 * setWeights recomputes β^t with pow() where training multiplies step by step, so a resumed run would differ
 * in the last bits. Its ε default (1e-7) also differs from PyTorch's.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { WeightMap } from '../networks/bias-free-network';

export const adamBeta1 = 0.9;
export const adamBeta2 = 0.999;
export const adamEpsilon = 1e-8;

export class Adam {
  /** Steps taken so far (t of the last update). */
  step = 0;
  private readonly firstMoments = new Map<string, tf.Variable>();
  private readonly secondMoments = new Map<string, tf.Variable>();

  /** @param variables the trained variables by name; moments start at zero. */
  constructor(private readonly variables: Map<string, tf.Variable>) {
    for (const [name, variable] of variables) {
      // tidy disposes the zero tensors but keeps the variables.
      this.firstMoments.set(name, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
      this.secondMoments.set(name, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
    }
  }

  /** Applies one update with `gradients` (by variable name) at learning rate `learningRate`. */
  apply(gradients: Map<string, tf.Tensor>, learningRate: number): void {
    this.step++;
    // Bias corrections in float64 on the CPU, so they depend only on t.
    const biasCorrection1 = 1 - adamBeta1 ** this.step;
    const biasCorrection2 = 1 - adamBeta2 ** this.step;
    const stepSize = learningRate / biasCorrection1;
    const inverseRootCorrection2 = 1 / Math.sqrt(biasCorrection2);

    tf.tidy(() => {
      for (const [name, variable] of this.variables) {
        const gradient = gradients.get(name);
        if (gradient === undefined) {
          throw new Error(`Adam: no gradient for variable ${name}.`);
        }
        const m = this.firstMoments.get(name) as tf.Variable;
        const v = this.secondMoments.get(name) as tf.Variable;
        const newM = tf.add(tf.mul(m, adamBeta1), tf.mul(gradient, 1 - adamBeta1));
        const newV = tf.add(tf.mul(v, adamBeta2), tf.mul(tf.square(gradient), 1 - adamBeta2));
        m.assign(newM);
        v.assign(newV);
        const denominator = tf.add(tf.mul(tf.sqrt(newV), inverseRootCorrection2), adamEpsilon);
        variable.assign(tf.sub(variable, tf.mul(tf.div(newM, denominator), stepSize)));
      }
    });
  }

  /** Returns the moments as `optimizer.m.<name>` and `optimizer.v.<name>` tensors. */
  getState(): WeightMap {
    const state: WeightMap = new Map();
    for (const [prefix, moments] of [['optimizer.m.', this.firstMoments], ['optimizer.v.', this.secondMoments]] as const) {
      for (const [name, variable] of moments) {
        state.set(prefix + name, { shape: [...variable.shape], data: Float32Array.from(variable.dataSync()) });
      }
    }
    return state;
  }

  /** Restores moments saved by getState (extra entries are ignored) and the step count. */
  setState(state: WeightMap, step: number): void {
    const missing: string[] = [];
    for (const [prefix, moments] of [['optimizer.m.', this.firstMoments], ['optimizer.v.', this.secondMoments]] as const) {
      for (const [name, variable] of moments) {
        const entry = state.get(prefix + name);
        if (entry === undefined || entry.data.length !== variable.size) {
          missing.push(prefix + name);
          continue;
        }
        const value = tf.tensor(entry.data, variable.shape, 'float32');
        variable.assign(value);
        value.dispose();
      }
    }
    if (missing.length > 0) {
      throw new Error(`Adam: optimizer state is missing or mis-shaped for ${missing.join(', ')}.`);
    }
    this.step = step;
  }

  dispose(): void {
    for (const variable of [...this.firstMoments.values(), ...this.secondMoments.values()]) {
      variable.dispose();
    }
  }
}
