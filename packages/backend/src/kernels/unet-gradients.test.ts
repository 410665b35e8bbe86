// Gradients of a whole UNet-like training loss on wasm (with gahb's kernels) against the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../init-backend';
import { compareValues, randomTensor } from '../../test/compare-backends';
import { unetLikeLoss, unetLikeWeightShapes, unetLikeWeightValues } from '../../test/unet-like-model';

// Batch norm divides by standard deviations of a few values, which amplifies float32 rounding.
const RELATIVE_TOLERANCE = 1e-3;

interface LossAndGradients {
  loss: number;
  gradients: Record<string, Float32Array>;
}

async function lossAndGradients(backendName: string, inChannels: number, width: number): Promise<LossAndGradients> {
  await initBackend({ backend: backendName });
  const shapes = unetLikeWeightShapes(inChannels, width);
  const values = unetLikeWeightValues(shapes, 5);
  const variables: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    variables[name] = tf.variable(tf.tensor(values[name], shape), true, `${backendName}-${name}-${inChannels}-${width}`);
  }
  const noisyValues = randomTensor([3, 12, 8, inChannels], 9, 'noisy');
  const noiseValues = randomTensor([3, 12, 8, inChannels], 9, 'noise');
  const noisy = tf.tensor4d(noisyValues.values, noisyValues.shape as [number, number, number, number]);
  const noise = tf.tensor4d(noiseValues.values, noiseValues.shape as [number, number, number, number]);

  const { value, grads } = tf.variableGrads(() => unetLikeLoss(variables, noisy, noise), Object.values(variables));

  const gradients: Record<string, Float32Array> = {};
  for (const [name, variable] of Object.entries(variables)) {
    gradients[name] = grads[variable.name].dataSync() as Float32Array;
  }
  const loss = value.dataSync()[0];
  tf.dispose([value, noisy, noise, ...Object.values(grads), ...Object.values(variables)]);
  return { loss, gradients };
}

const CONFIGURATIONS = [
  { inChannels: 1, width: 4 },
  { inChannels: 3, width: 8 },
];
const WEIGHT_NAMES = Object.keys(unetLikeWeightShapes(1, 4));

describe.each(CONFIGURATIONS)('UNet-like loss, $inChannels channels, width $width', ({ inChannels, width }) => {
  let expected: LossAndGradients;
  let actual: LossAndGradients;

  beforeAll(async () => {
    expected = await lossAndGradients('cpu', inChannels, width);
    actual = await lossAndGradients('wasm', inChannels, width);
  });

  test('loss on wasm matches cpu', () => {
    expect(Math.abs(actual.loss - expected.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(expected.loss));
  });

  test.each(WEIGHT_NAMES)('%s gradient on wasm matches cpu', (name) => {
    const { maxError, maxReference } = compareValues(actual.gradients[name], expected.gradients[name]);

    expect(maxReference).toBeGreaterThan(0);
    expect(maxError).toBeLessThanOrEqual(RELATIVE_TOLERANCE * maxReference);
  });
});
