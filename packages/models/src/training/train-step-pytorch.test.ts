import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createImageBatch, readNpy, type ImageBatch } from '@gahb/core';

import { bfUnetArchitecture } from '../networks/bf-unet';
import type { WeightMap } from '../networks/bias-free-network';
import { importPytorchNetwork } from '../pytorch/import-pytorch';
import { readTorchStateDict } from '../pytorch/torch-archive';
import { useWasmBackend } from '../../test/wasm-backend';
import { Adam } from './adam';
import { trainStep } from './train';

beforeAll(useWasmBackend);

// Three Adam steps of a 2-block, 4-channel bf-unet on 8x8 images in PyTorch 1.13 (make_training_reference.py).
const fixture = path.join(__dirname, '../../test/fixtures/pytorch-reference/unet-k4-b2-8px-train');

/** Returns step `step` of an NCHW float32 [steps, n, 1, h, w] array as an NHWC batch (same order for 1 channel). */
async function readStep(file: string, step: number): Promise<ImageBatch> {
  const array = await readNpy(path.join(fixture, file));
  const [, n, channels, height, width] = array.shape;
  const batch = createImageBatch(n, height, width, channels);
  const size = batch.data.length;
  batch.data.set((array.data as Float32Array).subarray(step * size, (step + 1) * size));
  return batch;
}

/** Returns ‖a − b‖ / ‖b‖. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    reference += b[i] ** 2;
  }
  return Math.sqrt(difference / reference);
}

/** Reads a PyTorch state dict of gradients or weights as a gahb WeightMap; tensors it lacks (running_sd) come from model.pt. */
async function readAsGahbWeights(file: string): Promise<WeightMap> {
  const stateDict = await readTorchStateDict(path.join(fixture, file));
  const initial = await readTorchStateDict(path.join(fixture, 'model.pt'));
  for (const [name, tensor] of initial) {
    if (!stateDict.has(name)) {
      stateDict.set(name, tensor);
    }
  }
  return bfUnetArchitecture.importPytorch?.(stateDict).weights as WeightMap;
}

describe('trainStep against PyTorch', () => {
  test('step-1 gradients match', async () => {
    const network = await importPytorchNetwork(path.join(fixture, 'model.pt'), 'bf-unet');
    const expected = await readAsGahbWeights('gradients.pt');
    const noisy = await readStep('noisy_nchw.npy', 0);
    const noise = await readStep('noise_nchw.npy', 0);
    const y = tf.tensor4d(noisy.data, noisy.shape as [number, number, number, number]);
    const target = tf.tensor4d(noise.data, noise.shape as [number, number, number, number]);
    const names = new Map([...network.trainable].map(([name, variable]) => [variable.name, name]));

    const { grads } = tf.variableGrads(
      () => tf.div(tf.sum(tf.square(tf.sub(network.apply(y, { training: true }), target))), noisy.shape[0]) as tf.Scalar,
      [...network.trainable.values()],
    );

    expect(Object.keys(grads)).toHaveLength(network.trainable.size);
    for (const [variableName, gradient] of Object.entries(grads)) {
      const name = names.get(variableName) as string;
      const reference = (expected.get(name) as { data: Float32Array }).data;
      // float32 sums in another order than PyTorch's: 1e-4 of the gradient's norm. The name shows which tensor failed.
      expect([name, relativeDifference(gradient.dataSync(), reference) < 1e-4]).toEqual([name, true]);
    }
    tf.dispose([y, target, ...Object.values(grads)]);
    network.dispose();
  });

  test('three steps follow PyTorch', async () => {
    const network = await importPytorchNetwork(path.join(fixture, 'model.pt'), 'bf-unet');
    const initial = network.getWeights();
    const expected = await readAsGahbWeights('trained.pt');
    const expectedLosses = (await readNpy(path.join(fixture, 'losses.npy'))).data as Float64Array;
    const adam = new Adam(network.trainable);

    for (let step = 0; step < expectedLosses.length; step++) {
      const { loss } = trainStep(network, adam, await readStep('noisy_nchw.npy', step), await readStep('noise_nchw.npy', step), 1e-3);
      expect(Math.abs(loss - expectedLosses[step]) / expectedLosses[step]).toBeLessThan(1e-5);
    }

    // Each tensor's change over the three steps (weights, gains, running standard deviations) against PyTorch's.
    const trained = network.getWeights();
    for (const [name, reference] of expected) {
      const start = (initial.get(name) as { data: Float32Array }).data;
      const actualChange = (trained.get(name) as { data: Float32Array }).data.map((value, i) => value - start[i]);
      const expectedChange = reference.data.map((value, i) => value - start[i]);
      expect([name, relativeDifference(actualChange, expectedChange) < 1e-3]).toEqual([name, true]);
    }
    adam.dispose();
    network.dispose();
  });
});
