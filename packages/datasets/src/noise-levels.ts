/**
 * Noise levels for blind denoiser training: one standard deviation sigma per image, drawn over
 * [sigmaMin, sigmaMax]. The study (Kadkhodaie et al., ICLR 2024, training code `add_noise_torch`) draws
 * sigma = sigmaMax · u² with u ~ U(0, 1) ("quadratic"), which over-represents small noise
 * (P(sigma ≤ s) = √(s / sigmaMax)); "uniform" draws sigma ~ U(sigmaMin, sigmaMax).
 */

import { RandomStream } from '@gahb/core';

/** Distribution of noise levels over [sigmaMin, sigmaMax]. */
export type NoiseLevelDistribution = 'quadratic' | 'uniform';

/** Noise-level options; sigma is in pixel units of [0, 1] images (sigma 0.1 is 25.5 on the 0..255 scale). */
export interface NoiseLevelOptions {
  /** 'quadratic' (sigma = sigmaMin + (sigmaMax − sigmaMin) · u², the study's default) or 'uniform'. */
  distribution?: NoiseLevelDistribution;
  /** Smallest noise level, in pixel units; default 0. */
  sigmaMin?: number;
  /** Largest noise level, in pixel units; default 1 (255 on the 0..255 scale). */
  sigmaMax?: number;
}

/** Noise-level options with every default filled in. */
export interface ResolvedNoiseLevelOptions {
  distribution: NoiseLevelDistribution;
  sigmaMin: number;
  sigmaMax: number;
}

/** Fills in defaults and validates `options`; errors name the invalid value and the fix. */
export function resolveNoiseLevelOptions(options: NoiseLevelOptions = {}): ResolvedNoiseLevelOptions {
  const distribution = options.distribution ?? 'quadratic';
  const sigmaMin = options.sigmaMin ?? 0;
  const sigmaMax = options.sigmaMax ?? 1;

  if (distribution !== 'quadratic' && distribution !== 'uniform') {
    throw new Error(`Noise-level distribution "${String(distribution)}" is invalid: use "quadratic" or "uniform".`);
  }
  if (!Number.isFinite(sigmaMin) || sigmaMin < 0) {
    throw new Error(`sigmaMin ${sigmaMin} is invalid: use a finite value >= 0.`);
  }
  if (!Number.isFinite(sigmaMax) || sigmaMax < sigmaMin) {
    throw new Error(`sigmaMax ${sigmaMax} is invalid: use a finite value >= sigmaMin (${sigmaMin}).`);
  }
  return { distribution, sigmaMin, sigmaMax };
}

/** Draws one noise level from `stream` (two 32-bit words per draw). */
export function drawNoiseLevel(stream: RandomStream, options: ResolvedNoiseLevelOptions): number {
  const u = stream.uniform();
  const fraction = options.distribution === 'quadratic' ? u * u : u;
  return options.sigmaMin + (options.sigmaMax - options.sigmaMin) * fraction;
}

/**
 * Draws `count` noise levels. Level i comes from its own stream
 * `RandomStream.fromSeed(seed, 'noise-level', startIndex + i)`, so a level never depends on how the
 * request is split into calls.
 */
export function sampleNoiseLevels(
  count: number,
  seed: number,
  options: NoiseLevelOptions = {},
  startIndex = 0,
): Float32Array {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`sampleNoiseLevels: count ${count} is invalid: use an integer >= 0.`);
  }
  if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
    throw new Error(`sampleNoiseLevels: startIndex ${startIndex} is invalid: use an integer >= 0.`);
  }
  const resolved = resolveNoiseLevelOptions(options);

  const sigma = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    sigma[i] = drawNoiseLevel(RandomStream.fromSeed(seed, 'noise-level', startIndex + i), resolved);
  }
  return sigma;
}
