export { sample, samplePaired, solveInverseProblem } from './sample';
export { sampleCoarseToFine } from './coarse-to-fine-sampler';
export type { LinearConstraint } from './coarse-to-fine-sampler';
export { DEFAULT_SAMPLER_OPTIONS, resolveSamplerOptions, stepSize } from './sampler-options';
export type { SamplerOptions, SamplerProgress, StepSchedule, DivergenceAction } from './sampler-options';
export type { SampleRequest, SampleResult, SampleStatus, SampleTrajectory } from './sample-types';
export { samplerRegistry } from './sampler-registry';
export type { SamplerEntry } from './sampler-registry';
export { measureImages } from './measurement-operator';
export type { MeasurementOperator } from './measurement-operator';
export { inpainting, randomPixels, superResolution, randomBasis, spectralSuperResolution } from './operators';
export type {
  InpaintingOptions,
  RandomPixelsOptions,
  SuperResolutionOptions,
  RandomBasisOptions,
  SpectralSuperResolutionOptions,
} from './operators';
export { cosineSimilarity, pairedSimilarity, nearestNeighbors } from './similarity';
export type { SimilarityOptions, NearestNeighborOptions, NearestNeighbors } from './similarity';
export { similarityHistogram, copyFraction } from './similarity-statistics';
export type { SimilarityHistogram } from './similarity-statistics';
export { modelVariance } from './model-variance';
export type { ModelVarianceOptions, ModelVariancePoint } from './model-variance';

import { inpainting, randomPixels, superResolution, randomBasis, spectralSuperResolution } from './operators';

/** The measurement operators by their API names, for code that selects one at run time. */
export const operators = { inpainting, randomPixels, superResolution, randomBasis, spectralSuperResolution };
