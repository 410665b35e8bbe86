import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';

import { bfCnnSpecs } from './bf-cnn';
import { bfUnetSpecs } from './bf-unet';
import { resolveConfig } from './config-schema';
import { createNetwork } from './create-network';
import { averagePool, batchNormEpsilon, batchNormTraining, convolveConcatenation, upsample } from './bias-free-network';
import { bfUnetSchema } from './bf-unet';
import { bfCnnSchema } from './bf-cnn';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

/** Returns a tensor [n, height, width, channels] of N(0.5, 0.3²) values from `seed`. */
function randomImages(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const values = new Float32Array(shape.reduce((product, dimension) => product * dimension, 1));
  RandomStream.fromSeed(seed, 'network-test').fillNormal(values, 0.5, 0.3);
  return tf.tensor4d(values, shape);
}

/** Max |a − b| over two equally long arrays. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

/** Max |a| over an array. */
function maxAbsolute(a: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]));
  }
  return worst;
}

const tinyUnet = { blocks: 2, channels: 4 };
const tinyCnn = { layers: 5, channels: 6 };

describe('bias-free networks', () => {
  test.each([
    ['bf-unet', tinyUnet],
    ['bf-cnn', tinyCnn],
    ['bf-cnn', { ...tinyCnn, firstLayerLinear: true }],
  ])('%s eval mode is positively homogeneous', (architecture, config) => {
    const network = createNetwork(architecture, config, 3);
    // Running standard deviations other than 1 so that evaluation-mode batch norms do something.
    const weights = network.getWeights();
    for (const [name, entry] of weights) {
      if (name.endsWith('running_sd')) {
        entry.data.forEach((_, i) => (entry.data[i] = 0.5 + 0.1 * i));
      }
    }
    network.setWeights(weights);

    const y = randomImages([2, 8, 8, 1], 1);
    const output = network.apply(y, { training: false }).dataSync();
    expect(maxAbsolute(output)).toBeGreaterThan(0);
    for (const alpha of [0.37, 4.2]) {
      const scaled = network.apply(tf.mul(y, alpha) as tf.Tensor4D, { training: false }).dataSync();
      // f(αy) = α f(y) up to float32 rounding: tolerance 1e-5 of max |α f(y)|.
      const expected = output.map((value) => alpha * value);
      expect(maxDifference(scaled, expected)).toBeLessThan(1e-5 * maxAbsolute(expected));
    }
    network.dispose();
  });

  test('bf-unet has the study parameter count', () => {
    // 7 656 576 convolution weights + 2 688 batch-norm gains for the default 3-block, 64-channel UNet.
    const specs = bfUnetSpecs(resolveConfig('bf-unet', bfUnetSchema));
    const trainable = specs.filter((spec) => spec.kind !== 'running-sd');
    const count = trainable.reduce((sum, spec) => sum + spec.shape.reduce((product, dimension) => product * dimension, 1), 0);
    expect(count).toBe(7_659_264);
  });

  test('bf-cnn has the study parameter count', () => {
    // 21 layers of 64 channels: 702 784 trainable values.
    const specs = bfCnnSpecs(resolveConfig('bf-cnn', bfCnnSchema));
    const trainable = specs.filter((spec) => spec.kind !== 'running-sd');
    const count = trainable.reduce((sum, spec) => sum + spec.shape.reduce((product, dimension) => product * dimension, 1), 0);
    expect(count).toBe(702_784);
  });

  test('denoiser returns y minus predicted noise', () => {
    const network = createNetwork('bf-cnn', tinyCnn, 4);
    const y = randomImages([1, 6, 6, 1], 2);
    const denoised = network.denoiser().denoise(y).dataSync();
    const noise = network.apply(y, { training: false }).dataSync();
    const input = y.dataSync();
    expect(maxDifference(denoised, input.map((value, i) => value - noise[i]))).toBeLessThan(1e-6);
    network.dispose();
  });

  test('training batch norm divides by batch sd and updates running sd', () => {
    // A 3-layer bf-cnn has one batch norm (BN_layers.0) after conv_layers.1.
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2, firstLayerLinear: true }, 5);
    const y = randomImages([3, 5, 5, 1], 3);
    const hidden = tf.conv2d(tf.conv2d(y, network.trainable.get('conv_layers.0.weight') as tf.Tensor4D, 1, 'same'), network.trainable.get('conv_layers.1.weight') as tf.Tensor4D, 1, 'same');
    const values = hidden.dataSync();

    // Closed form per channel c: sd_c = √(mean(h²) − mean(h)² + 1e-5), running = 0.9·1 + 0.1·sd_c.
    const count = values.length / 2;
    const expectedRunning: number[] = [];
    for (let c = 0; c < 2; c++) {
      let sum = 0;
      let sumSquares = 0;
      for (let i = c; i < values.length; i += 2) {
        sum += values[i];
        sumSquares += values[i] * values[i];
      }
      const variance = sumSquares / count - (sum / count) ** 2;
      expectedRunning.push(0.9 + 0.1 * Math.sqrt(variance + 1e-5));
    }
    network.apply(y, { training: true });
    const running = network.buffers.get('BN_layers.0.running_sd')?.dataSync() ?? new Float32Array(0);
    expect(running.length).toBe(2);
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(running[c] - expectedRunning[c])).toBeLessThan(1e-5);
    }
    network.dispose();
  });

  test('training batch norm gradient matches autodiff', () => {
    // The written-out gradient against TensorFlow.js's automatic gradient of the textbook formula.
    const x = tf.mul(randomImages([3, 5, 4, 6], 21), tf.linspace(-2, 3, 6)) as tf.Tensor4D;
    const gains = tf.linspace(-0.02, 0.025, 6);
    const cotangent = randomImages([3, 5, 4, 6], 22);
    const reference = (input: tf.Tensor4D, gain: tf.Tensor) => {
      const { variance } = tf.moments(input, [0, 1, 2]);
      return tf.mul(tf.div(input, tf.sqrt(tf.add(variance, batchNormEpsilon))), gain);
    };
    const captured = (input: tf.Tensor4D, gain: tf.Tensor) => batchNormTraining(input, gain, () => undefined);

    const loss = (normalize: typeof reference) => (input: tf.Tensor, gain: tf.Tensor) => tf.sum(tf.mul(normalize(input as tf.Tensor4D, gain), cotangent));
    const [expectedDx, expectedDgain] = tf.grads(loss(reference))([x, gains]);
    const [dx, dgain] = tf.grads(loss(captured))([x, gains]);

    expect(maxDifference(captured(x, gains).dataSync(), reference(x, gains).dataSync())).toBeLessThan(1e-6);
    // Tolerance: 1e-5 of the largest gradient entry (float32 sums in another order).
    expect(maxDifference(dx.dataSync(), expectedDx.dataSync())).toBeLessThan(1e-5 * maxAbsolute(expectedDx.dataSync()));
    expect(maxDifference(dgain.dataSync(), expectedDgain.dataSync())).toBeLessThan(1e-5 * maxAbsolute(expectedDgain.dataSync()));
  });

  test('training batch norm reports batch sd', () => {
    const x = randomImages([2, 3, 3, 2], 23);
    let reported: Float32Array | undefined;
    batchNormTraining(x, tf.ones([2]), (batchSd) => {
      reported = batchSd.dataSync() as Float32Array;
    });
    const expected = tf.sqrt(tf.add(tf.moments(x, [0, 1, 2]).variance, batchNormEpsilon)).dataSync();
    expect(reported).toBeDefined();
    expect(maxDifference(reported ?? [], expected)).toBeLessThan(1e-6);
  });

  test.each([2, 3])('averagePool window %i matches mean', (window) => {
    const shape: [number, number, number, number] = [2, 2 * window, 3 * window, 3];
    const x = randomImages(shape, 28);
    const cotangent = randomImages([2, 2, 3, 3], 29);
    const reference = (t: tf.Tensor) => tf.mean(tf.reshape(t, [2, 2, window, 3, window, 3]), [2, 4]);
    expect(maxDifference(averagePool(x, window).dataSync(), reference(x).dataSync())).toBeLessThan(1e-6);

    const expected = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t), cotangent)))(x);
    const captured = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(averagePool(t as tf.Tensor4D, window), cotangent)))(x);
    expect(captured.shape).toEqual(shape);
    expect(maxDifference(captured.dataSync(), expected.dataSync())).toBeLessThan(1e-6);
    expect(() => averagePool(x, 4)).toThrow(/not divisible by the pooling window 4/);
  });

  test('convConcat matches conv of concatenation', () => {
    const first = randomImages([2, 6, 5, 3], 24);
    const second = randomImages([2, 6, 5, 4], 25);
    const weight = randomImages([3, 3, 7, 5], 26);
    const expected = tf.conv2d(tf.concat([first, second], 3), weight, 1, 'same');
    const captured = convolveConcatenation([first, second], weight);
    expect(captured.shape).toEqual([2, 6, 5, 5]);
    expect(maxDifference(captured.dataSync(), expected.dataSync())).toBeLessThan(1e-5 * maxAbsolute(expected.dataSync()));

    // Gradients with respect to both inputs and the weight.
    const cotangent = randomImages([2, 6, 5, 5], 27);
    const loss = (convolve: (a: tf.Tensor4D, b: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D) => (a: tf.Tensor, b: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.mul(convolve(a as tf.Tensor4D, b as tf.Tensor4D, w as tf.Tensor4D), cotangent));
    const expectedGrads = tf.grads(loss((a, b, w) => tf.conv2d(tf.concat([a, b], 3), w, 1, 'same')))([first, second, weight]);
    const capturedGrads = tf.grads(loss((a, b, w) => convolveConcatenation([a, b], w)))([first, second, weight]);
    expectedGrads.forEach((gradient, index) => {
      expect(maxDifference(capturedGrads[index].dataSync(), gradient.dataSync())).toBeLessThan(1e-5 * maxAbsolute(gradient.dataSync()));
    });
    expect(() => convolveConcatenation([first], weight)).toThrow(/3 channels together but the weight \[3, 3, 7, 5\] takes 7/);
  });

  test('upsample matches tf.conv2dTranspose', () => {
    // The UNet's matrix-product upsampling against TensorFlow.js's transposed convolution.
    const network = createNetwork('bf-unet', { blocks: 1, channels: 3, encoderConvs: 1, midConvs: 1, decoderConvs: 1 }, 6);
    const weight = network.trainable.get('upsample.0.weight') as tf.Tensor4D;
    const x = randomImages([2, 3, 4, 6], 4);
    const captured = upsample(x, weight);
    const reference = tf.conv2dTranspose(x, weight, [2, 6, 8, 3], 2, 'valid');
    expect(captured.shape).toEqual([2, 6, 8, 3]);
    expect(maxDifference(captured.dataSync(), reference.dataSync())).toBeLessThan(1e-5);
    network.dispose();
  });

  test('setWeights lists missing, extra and mis-shaped tensors', () => {
    const network = createNetwork('bf-cnn', tinyCnn, 7);
    const weights = network.getWeights();
    weights.delete('conv_layers.2.weight');
    weights.set('conv_layers.9.weight', { shape: [1], data: new Float32Array(1) });
    weights.set('BN_layers.0.gammas', { shape: [5], data: new Float32Array(5) });
    expect(() => network.setWeights(weights)).toThrow(
      /missing conv_layers\.2\.weight; unexpected conv_layers\.9\.weight; BN_layers\.0\.gammas has shape \[5\], expected \[6\]/,
    );
    network.dispose();
  });

  test('getWeights and setWeights round-trip', () => {
    const first = createNetwork('bf-unet', tinyUnet, 8);
    const second = createNetwork('bf-unet', tinyUnet, 9);
    second.setWeights(first.getWeights());
    const y = randomImages([1, 8, 8, 1], 5);
    expect(maxDifference(first.apply(y, { training: false }).dataSync(), second.apply(y, { training: false }).dataSync())).toBe(0);
    first.dispose();
    second.dispose();
  });

  test('same seed gives same weights', () => {
    const networks = [11, 11, 12].map((seed) => createNetwork('bf-cnn', tinyCnn, seed));
    const [first, second, other] = networks.map((network) => network.getWeights());
    networks.forEach((network) => network.dispose());
    expect(maxDifference(first.get('conv_layers.1.weight')?.data ?? [], second.get('conv_layers.1.weight')?.data ?? [])).toBe(0);
    expect(maxDifference(first.get('conv_layers.1.weight')?.data ?? [], other.get('conv_layers.1.weight')?.data ?? [])).toBeGreaterThan(0);
  });

  test('kaiming init has std sqrt(2/fan_in)', () => {
    const network = createNetwork('bf-cnn', { layers: 3, channels: 64 }, 13);
    const weights = network.getWeights();
    network.dispose();
    const data = weights.get('conv_layers.1.weight')?.data ?? new Float32Array(0);
    const variance = data.reduce((sum, value) => sum + value * value, 0) / data.length;
    // 36 864 samples: the sample std is within 2% of √(2/576) with overwhelming probability.
    expect(Math.abs(Math.sqrt(variance) / Math.sqrt(2 / 576) - 1)).toBeLessThan(0.02);
    const gains = weights.get('BN_layers.0.gammas')?.data ?? new Float32Array(0);
    expect(maxAbsolute(gains)).toBeLessThanOrEqual(0.025);
  });

  test('unet rejects size not divisible by pooling', () => {
    const network = createNetwork('bf-unet', tinyUnet, 1);
    expect(() => network.apply(tf.zeros([1, 6, 6, 1]), { training: false })).toThrow(/use a height and width divisible by 4/);
    network.dispose();
  });

  test('invalid option is rejected with its range', () => {
    expect(() => createNetwork('bf-unet', { blocks: 0 })).toThrow(/option blocks = 0 is invalid: use an integer from 1 to 6/);
    expect(() => createNetwork('bf-cnn', { depth: 3 })).toThrow(/unknown option "depth"/);
  });
});
