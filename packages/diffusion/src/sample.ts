/**
 * Entry points for drawing samples: from one denoiser, from several denoisers with the same seeds (for the
 * study's paired-sample comparisons) and from the posterior of a linear inverse problem.
 */
import type { Denoiser } from '@gahb/backend';
import { sampleCoarseToFine } from './coarse-to-fine-sampler';
import type { MeasurementOperator } from './measurement-operator';
import type { SamplerOptions } from './sampler-options';
import type { SampleRequest, SampleResult } from './sample-types';

/**
 * Draws `request.count` samples of shape `request.shape` from the prior implicit in `denoiser` with the
 * coarse-to-fine sampler. Sample i depends only on the denoiser, the options, the seed and i.
 */
export function sample(denoiser: Denoiser, request: SampleRequest, options: Partial<SamplerOptions> = {}): Promise<SampleResult> {
  return sampleCoarseToFine(denoiser, request, options);
}

/**
 * Draws the same request through each denoiser: result k comes from `denoisers[k]`, and sample i of every
 * result starts from the same initial noise and uses the same step-noise stream, so the results are aligned
 * sample by sample.
 */
export async function samplePaired(
  denoisers: readonly Denoiser[],
  request: SampleRequest,
  options: Partial<SamplerOptions> = {},
): Promise<SampleResult[]> {
  if (denoisers.length === 0) {
    throw new Error('samplePaired: no denoisers given; pass at least one.');
  }
  const results: SampleResult[] = [];
  for (const denoiser of denoisers) {
    results.push(await sampleCoarseToFine(denoiser, request, options));
  }
  return results;
}

/**
 * Draws samples x with Mᵀx = c from the prior implicit in `denoiser`: the coarse-to-fine sampler with the
 * residual projected onto the measurement constraint. `measurement` is one measurement c shared by all
 * samples ([measurementSize]) or one per sample ([count, measurementSize]); the returned samples keep the
 * measured components exactly (up to float32 rounding).
 */
export function solveInverseProblem(
  denoiser: Denoiser,
  operator: MeasurementOperator,
  measurement: Float32Array,
  request: SampleRequest,
  options: Partial<SamplerOptions> = {},
): Promise<SampleResult> {
  return sampleCoarseToFine(denoiser, request, options, { operator, measurements: measurement });
}
