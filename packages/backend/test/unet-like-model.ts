// A small UNet-like bias-free network for tests: every op that a BF-UNet training step runs, at small size.
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';

/** Weight shapes of {@link unetLikeLoss}, by name. */
export function unetLikeWeightShapes(inChannels: number, width: number): Record<string, number[]> {
  return {
    conv1: [3, 3, inChannels, width],
    gain1: [width],
    conv2: [3, 3, width, 2 * width],
    gain2: [2 * width],
    down: [2, 2, 2 * width, 2 * width],
    up1: [2, 2, 2 * width, 2 * width],
    up2: [2, 2, width, 4 * width],
    conv3: [3, 3, 2 * width, width],
    gain3: [width],
    conv4: [3, 3, width, inChannels],
  };
}

/** Seeded weight values (normal, scaled by 1/sqrt(fan-in); gains near 1) for {@link unetLikeWeightShapes}. */
export function unetLikeWeightValues(shapes: Record<string, number[]>, seed: number): Record<string, Float32Array> {
  const values: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const stream = RandomStream.fromSeed(seed, 'unet-like', name);
    if (name.startsWith('gain')) {
      values[name] = stream.fillUniform(new Float32Array(size), 0.5, 1.5);
    } else {
      const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : 1;
      values[name] = stream.fillNormal(new Float32Array(size), 0, 1 / Math.sqrt(fanIn));
    }
  }
  return values;
}

/** Bias-free batch normalization: divides each channel by its standard deviation over [n, height, width], times a gain. */
function biasFreeBatchNorm(h: tf.Tensor4D, gain: tf.Tensor): tf.Tensor4D {
  const { variance } = tf.moments(h, [0, 1, 2]);
  const std = tf.sqrt(tf.add(variance, 1e-5));
  return tf.mul(tf.div(h, std), gain);
}

/**
 * Loss = summed squared error / batch size of a two-level UNet-like network that predicts the noise:
 * conv 3x3, batch norm, ReLU, 2x2 average pooling, 2x2 stride-2 convolution, 2x2 stride-2 transposed
 * convolution and a channel concatenation of the skip connection. noisy and noise are [n, h, w, c], h and w divisible by 4.
 */
export function unetLikeLoss(weights: Record<string, tf.Tensor>, noisy: tf.Tensor4D, noise: tf.Tensor4D): tf.Scalar {
  const w = weights as Record<string, tf.Tensor4D>;
  const [n, height, width] = noisy.shape;
  const skip = tf.relu(biasFreeBatchNorm(tf.conv2d(noisy, w['conv1'], 1, 'same'), weights['gain1']));

  // Encoder: average pooling and a 2x2 stride-2 convolution.
  const pooled = tf.avgPool(skip, 2, 2, 'valid');
  const middle = tf.relu(biasFreeBatchNorm(tf.conv2d(pooled, w['conv2'], 1, 'same'), weights['gain2']));
  const bottom = tf.relu(tf.conv2d(middle, w['down'], 2, 'valid'));

  // Decoder: 2x2 stride-2 transposed convolutions and channel concatenations of the skip connections.
  const middleUp = tf.conv2dTranspose(bottom, w['up1'], [n, height / 2, width / 2, middle.shape[3]], 2, 'valid');
  const middleJoined = tf.concat([middle, middleUp], 3);
  const up = tf.conv2dTranspose(middleJoined, w['up2'], [n, height, width, skip.shape[3]], 2, 'valid');
  const joined = tf.concat([skip, up], 3);
  const decoded = tf.relu(biasFreeBatchNorm(tf.conv2d(joined, w['conv3'], 1, 'same'), weights['gain3']));
  const predictedNoise = tf.conv2d(decoded, w['conv4'], 1, 'same');

  const error = tf.sub(predictedNoise, noise);
  return tf.div(tf.sum(tf.square(error)), n);
}
