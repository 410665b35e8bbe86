/**
 * Registry of samplers behind one interface, so that the CLI and the pipelines select a sampler by name and
 * other packages can add their own. The study's coarse-to-fine sampler is registered as 'coarse-to-fine'.
 */
import { Registry } from '@gahb/core';
import type { Denoiser } from '@gahb/backend';
import { sampleCoarseToFine, type LinearConstraint } from './coarse-to-fine-sampler';
import type { SamplerOptions } from './sampler-options';
import type { SampleRequest, SampleResult } from './sample-types';

export interface SamplerEntry {
  /** One line for help text. */
  description: string;
  /** Draws samples from the prior of `denoiser`, or from the posterior given `constraint` when the sampler supports it. */
  sample(denoiser: Denoiser, request: SampleRequest, options?: Partial<SamplerOptions>, constraint?: LinearConstraint): Promise<SampleResult>;
}

export const samplerRegistry = new Registry<SamplerEntry>('sampler');

samplerRegistry.register('coarse-to-fine', {
  description:
    'Stochastic coarse-to-fine gradient ascent with an adaptive noise level (Kadkhodaie & Simoncelli 2021; the sampler of the generalization study)',
  sample: sampleCoarseToFine,
});
