/**
 * Denoising performance over a grid of noise levels: for each sigma, noisy images y = x + σz with fresh
 * seeded noise, output PSNR averaged over images (PSNR = 10·log10(1 / MSE) per image, the study's
 * convention: mean of per-image PSNRs, outputs not clipped) and input PSNR = −20·log10(σ). Per-image
 * PSNR is capped at 100 dB (MSE floor 1e-10), because the ideal memorizer returns its training images
 * exactly and their PSNR would be infinite.
 */
// NOTE: this helper lives in the CLI because no package exports a PSNR evaluation over a noise grid yet.
import * as tf from '@tensorflow/tfjs-core';
import { fillSampleNormals, type ImageBatch } from '@gahb/core';
import type { Denoiser } from '@gahb/backend';

/** MSE floor of the per-image PSNR, which caps it at 100 dB. */
const minimumMse = 1e-10;

export interface PsnrPoint {
  /** Noise standard deviation in pixel units of [0, 1] images. */
  sigma: number;
  /** −20·log10(σ), in dB. */
  inputPsnr: number;
  /** Mean over images of the output PSNR, in dB. */
  outputPsnr: number;
}

/**
 * Returns the PSNR curve of `denoiser` on `clean` [n, height, width, channels] at each of `sigmas`. The
 * noise of image i at sigma index s comes from the stream (seed, "evaluation-noise-s", i), so two
 * denoisers evaluated with the same seed see the same noisy images.
 */
export function evaluatePsnr(
  denoiser: Denoiser,
  clean: ImageBatch,
  sigmas: readonly number[],
  seed: number,
  batchSize = 64,
): PsnrPoint[] {
  const [count, height, width, channels] = clean.shape;
  const pixels = height * width * channels;
  const points: PsnrPoint[] = [];

  for (const [sigmaIndex, sigma] of sigmas.entries()) {
    if (!(sigma > 0)) {
      throw new Error(`evaluatePsnr: sigma ${sigma} is invalid: use a value > 0.`);
    }
    let psnrSum = 0;
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(count, start + batchSize);
      const cleanValues = clean.data.subarray(start * pixels, end * pixels);
      const noise = fillSampleNormals(new Float32Array((end - start) * pixels), seed, `evaluation-noise-${sigmaIndex}`, start, pixels);
      const squaredErrors = tf.tidy(() => {
        const x = tf.tensor4d(cleanValues, [end - start, height, width, channels]);
        const y = tf.add(x, tf.mul(sigma, tf.tensor4d(noise, [end - start, height, width, channels]))) as tf.Tensor4D;
        const estimate = denoiser.denoise(y, { sigma });
        return tf.mean(tf.square(tf.sub(estimate, x)), [1, 2, 3]);
      });
      const values = squaredErrors.dataSync();
      squaredErrors.dispose();
      for (const mse of values) {
        psnrSum += 10 * Math.log10(1 / Math.max(mse, minimumMse));
      }
    }
    points.push({ sigma, inputPsnr: -20 * Math.log10(sigma), outputPsnr: psnrSum / count });
  }
  return points;
}

/** Returns the mean over the common sigmas of train PSNR − test PSNR, in dB. */
export function psnrGap(train: readonly PsnrPoint[], test: readonly PsnrPoint[]): number {
  if (train.length !== test.length || train.length === 0) {
    throw new Error(`psnrGap: the curves have ${train.length} and ${test.length} points; evaluate both on the same sigmas.`);
  }
  let sum = 0;
  for (let i = 0; i < train.length; i++) {
    sum += train[i].outputPsnr - test[i].outputPsnr;
  }
  return sum / train.length;
}
