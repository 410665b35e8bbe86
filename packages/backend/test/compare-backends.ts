// Test helpers that run one TensorFlow.js kernel on two backends with the same random inputs.
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';

/** Values and shape of one kernel input or output, independent of any backend. */
export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

/** Returns standard normal values of `shape` drawn from the stream (seed, ...path). */
export function randomTensor(shape: number[], seed: number, ...path: Array<string | number>): HostTensor {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const values = RandomStream.fromSeed(seed, ...path).fillNormal(new Float32Array(size));
  return { shape, values };
}

/** Runs `kernelName` on `backendName` with fresh tensors made from `inputs` and returns its output values. */
export async function runKernelOn(
  backendName: string,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<HostTensor> {
  await tf.setBackend(backendName);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) {
    tensors[name] = tf.tensor(input.values, input.shape, 'float32');
  }
  const output = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: output.shape.slice(), values: output.dataSync() as Float32Array };
  output.dispose();
  for (const tensor of Object.values(tensors)) {
    tensor.dispose();
  }
  return result;
}

/** Max |actual - expected| and max |expected|, for tolerances relative to the largest reference value. */
export function compareValues(actual: ArrayLike<number>, expected: ArrayLike<number>): { maxError: number; maxReference: number } {
  let maxError = 0;
  let maxReference = 0;
  for (let i = 0; i < expected.length; i++) {
    maxError = Math.max(maxError, Math.abs(actual[i] - expected[i]));
    maxReference = Math.max(maxReference, Math.abs(expected[i]));
  }
  return { maxError, maxReference };
}
