import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';
import type { LinearizedDenoiser } from '@gahb/backend';

import { createNetwork } from './create-network';
import type { BiasFreeNetwork } from './bias-free-network';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

/** Creates a network with gains 1 and varied running standard deviations, so that each layer changes its input. */
function network(architecture: string, config: Record<string, unknown>): BiasFreeNetwork {
  const result = createNetwork(architecture, config, 11);
  const weights = result.getWeights();
  for (const [name, entry] of weights) {
    if (name.endsWith('gammas')) entry.data.fill(1);
    if (name.endsWith('running_sd')) entry.data.forEach((_, i) => (entry.data[i] = 0.6 + 0.05 * (i % 7)));
  }
  result.setWeights(weights);
  return result;
}

function randomTensor(shape: [number, number, number, number], seed: number, mean: number): tf.Tensor4D {
  const values = new Float32Array(shape.reduce((product, dimension) => product * dimension, 1));
  RandomStream.fromSeed(seed, 'windowed-test').fillNormal(values, mean, 0.5);
  return tf.tensor4d(values, shape);
}

/** Pads the window `directions` at (top, left) with zeros to a height × width image. */
function embed(directions: tf.Tensor4D, top: number, left: number, height: number, width: number): tf.Tensor4D {
  const [, h, w] = directions.shape;
  return tf.pad(directions, [[0, 0], [top, height - top - h], [left, width - left - w], [0, 0]]);
}

/** max |a − b| / max |b|. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    difference = Math.max(difference, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return difference / scale;
}

/** Returns max |A v − v|, which is 0 for a network that does nothing. */
function noisePartSize(output: ArrayLike<number>, directions: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < output.length; i++) largest = Math.max(largest, Math.abs(output[i] - directions[i]));
  return largest;
}

const cases: Array<[string, string, Record<string, unknown>, number, number]> = [
  // architecture, label, configuration, image side, channels
  ['bf-unet', '3 blocks', { blocks: 3, channels: 4 }, 32, 1],
  ['bf-unet', '2 blocks, pooling window 3, kernel 5, RGB', { blocks: 2, channels: 3, poolWindow: 3, kernelSize: 5, imageChannels: 3 }, 18, 3],
  ['bf-cnn', '6 layers', { layers: 6, channels: 5 }, 20, 1],
];

describe.each(cases)('%s (%s): applyLocal', (architecture, _label, config, side, channels) => {
  let net: BiasFreeNetwork;
  let linearized: LinearizedDenoiser;
  beforeAll(() => {
    net = network(architecture, config);
    const image = randomTensor([1, side, side, channels], 3, 0.5);
    linearized = net.linearizedDenoiser(image);
    image.dispose();
  });
  afterAll(() => {
    linearized.dispose();
    net.dispose();
  });

  // Windows: interior and unaligned, at a corner, along an edge, a single pixel, and the whole image.
  const windows: Array<[number, number, number, number]> = [
    [5, 7, 3, 4],
    [0, 0, 4, 4],
    [side - 2, 1, 2, side - 1],
    [side - 1, side - 1, 1, 1],
    [0, 0, side, side],
  ];
  test.each(windows)('window at (%i, %i) of %i x %i matches apply', (top, left, height, width) => {
    const directions = randomTensor([3, height, width, channels], top * 100 + left, 0);
    const padded = embed(directions, top, left, side, side);
    const local = (linearized.applyLocal as NonNullable<LinearizedDenoiser['applyLocal']>)(directions, top, left);
    const whole = linearized.apply(padded);
    expect(local.shape).toEqual([3, side, side, channels]);
    const expected = whole.dataSync();
    // The network must change its input, or the comparison would test the identity only.
    expect(noisePartSize(expected, padded.dataSync())).toBeGreaterThan(0.05 * Math.max(...Array.from(expected, Math.abs)));
    expect(relativeDifference(local.dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([directions, padded, local, whole]);
  });

  test('window outside the image is rejected', () => {
    const directions = tf.zeros([1, 2, 2, channels]) as tf.Tensor4D;
    const applyLocal = linearized.applyLocal as NonNullable<LinearizedDenoiser['applyLocal']>;
    expect(() => applyLocal(directions, side - 1, 0)).toThrow(`at (${side - 1}, 0) does not fit the image`);
    expect(() => applyLocal(directions, 0, -1)).toThrow('at (0, -1) does not fit the image');
    directions.dispose();
  });
});
