/**
 * Requests and results shared by every sampler: what to draw (count, seed, image shape) and what comes back
 * (the samples, per-sample step counts, final noise levels, stop reasons and an optional trajectory).
 */
import type { ImageBatch } from '@gahb/core';

/** Request of samples: count, seed, image shape and first sample index. */
export interface SampleRequest {
  /** Number of samples. */
  count: number;
  /** Seed of the random streams: sample i uses the streams ('initial-noise', i) and ('sampler-noise', i). */
  seed: number;
  /** Image shape [height, width, channels]. */
  shape: readonly [number, number, number];
  /**
   * Index of the first sample (default 0): samples firstIndex … firstIndex + count − 1 are drawn, so a large
   * request can be split into parts that together equal the whole.
   */
  firstIndex?: number;
}

/** Reason a sample stopped. */
export type SampleStatus = 'converged' | 'max-iterations' | 'diverged';

/** The path of each sample through the sampler, recorded when `trajectoryEvery` is set. */
export interface SampleTrajectory {
  /** Per sample, the effective noise level σ of every visited state, from y₀ to the last state. */
  sigma: Float32Array[];
  /** Steps at which states were recorded: 0, k, 2k, … for trajectoryEvery = k. */
  steps: number[];
  /** For each recorded step, the states y of all samples, [count, height, width, channels]; stopped samples keep their last state. */
  states: ImageBatch[];
  /** For each recorded step, the one-step denoised states x̂(y), [count, height, width, channels]. */
  denoised: ImageBatch[];
}

export interface SampleResult {
  /** The samples, [count, height, width, channels], not clipped to [0, 1]. */
  samples: ImageBatch;
  /** Steps taken by each sample. */
  iterations: Int32Array;
  /** Effective noise level σ of each sample's last state, in pixel units. */
  finalSigma: Float32Array;
  /** Reason each sample stopped. */
  status: SampleStatus[];
  /** Present when the options asked for it. */
  trajectory?: SampleTrajectory;
}

/** Checks `request` and returns its first index; errors name the field and the fix. */
export function validateSampleRequest(request: SampleRequest): number {
  if (!Number.isSafeInteger(request.count) || request.count < 1) {
    throw new Error(`Sample request count ${request.count} is invalid: use an integer >= 1.`);
  }
  if (!Number.isSafeInteger(request.seed) || request.seed < 0) {
    throw new Error(`Sample request seed ${request.seed} is invalid: use an integer >= 0.`);
  }
  const shape = request.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((size) => Number.isSafeInteger(size) && size >= 1)) {
    throw new Error(`Sample request shape [${String(shape)}] is invalid: use [height, width, channels] with positive integers.`);
  }
  const firstIndex = request.firstIndex ?? 0;
  if (!Number.isSafeInteger(firstIndex) || firstIndex < 0) {
    throw new Error(`Sample request firstIndex ${firstIndex} is invalid: use an integer >= 0.`);
  }
  return firstIndex;
}
