/** Per-epoch evaluation of a network on test images: loss and PSNR at random noise levels and over a σ grid. */
import * as tf from '@tensorflow/tfjs-core';
import { sliceImageBatch, type ImageBatch } from '@gahb/core';
import { makeNoisyBatch, type ResolvedNoiseLevelOptions } from '@gahb/datasets';

import type { BiasFreeNetwork } from '../networks/bias-free-network';
import { meanPsnr } from './psnr';

/** The test images and noise of an evaluation. */
export interface EvaluationSet {
  images: ImageBatch;
  /** The first `count` images are evaluated. */
  count: number;
  /** Seed of the test noise (the same every epoch). */
  seed: number;
  /** Noise-level distribution of the random-σ evaluation (as training). */
  noise: ResolvedNoiseLevelOptions;
  /** Fixed noise levels of the PSNR curve. */
  sigmas: readonly number[];
  batchSize: number;
}

/** Evaluation results: loss and mean PSNR at random σ, and PSNR per grid σ. */
export interface EvaluationResult {
  loss: number;
  psnr: number;
  psnrBySigma: Array<{ sigma: number; sigma255: number; inputPsnr: number; outputPsnr: number }>;
}

/**
 * Evaluates `network` in evaluation mode. Noisy test set k (k = 0: random σ per image, k ≥ 1: grid σ_k)
 * is made with makeNoisyBatch(images, indices, seed, k), so it is identical in every epoch.
 */
export function evaluateDenoiser(network: BiasFreeNetwork, set: EvaluationSet): EvaluationResult {
  const indices = Int32Array.from({ length: set.count }, (_, i) => i);
  const random = makeNoisyBatch(set.images, indices, set.seed, 0, set.noise);
  const { lossSum, mse } = predictNoise(network, random.noisy, random.noise, set.batchSize);

  const psnrBySigma = set.sigmas.map((sigma, k) => {
    const noisy = makeNoisyBatch(set.images, indices, set.seed, k + 1, { ...set.noise, sigma });
    return {
      sigma,
      sigma255: sigma * 255,
      inputPsnr: -20 * Math.log10(sigma),
      outputPsnr: meanPsnr(predictNoise(network, noisy.noisy, noisy.noise, set.batchSize).mse),
    };
  });
  return { loss: lossSum / set.count, psnr: meanPsnr(mse), psnrBySigma };
}

/** Runs the network over `noisy` in batches; returns Σ‖f(y) − noise‖² and the per-image MSE. */
function predictNoise(network: BiasFreeNetwork, noisy: ImageBatch, noise: ImageBatch, batchSize: number): { lossSum: number; mse: Float32Array } {
  const count = noisy.shape[0];
  const mse = new Float32Array(count);
  let lossSum = 0;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const values = tf.tidy(() => {
      const y = tensorOf(sliceImageBatch(noisy, start, end));
      const target = tensorOf(sliceImageBatch(noise, start, end));
      return tf.sum(tf.square(tf.sub(network.apply(y, { training: false }), target)), [1, 2, 3]);
    });
    const sums = values.dataSync();
    values.dispose();
    const pixels = noisy.shape[1] * noisy.shape[2] * noisy.shape[3];
    for (let i = 0; i < sums.length; i++) {
      lossSum += sums[i];
      mse[start + i] = sums[i] / pixels;
    }
  }
  return { lossSum, mse };
}

function tensorOf(batch: ImageBatch): tf.Tensor4D {
  const [n, height, width, channels] = batch.shape;
  return tf.tensor4d(batch.data, [n, height, width, channels]);
}
