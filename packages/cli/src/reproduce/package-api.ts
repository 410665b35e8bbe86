/**
 * Typed access to the functions the reproduce pipeline calls in the other gahb packages, looked up by
 * their documented names at run time. A step looks up what it needs when it starts. A function that the
 * installed build of a package does not export makes that step unavailable (StepUnavailableError), so
 * neither the build of @gahb/cli nor the steps that do not need the function break.
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';
import * as backend from '@gahb/backend';
import * as core from '@gahb/core';
import * as datasets from '@gahb/datasets';
import * as diffusion from '@gahb/diffusion';
import * as linalgAnalysis from '@gahb/linalg-analysis';
import * as models from '@gahb/models';
import * as syntheticImages from '@gahb/synthetic-images';
import type { Denoiser } from '@gahb/backend';
import type { ImageBatch } from '@gahb/core';

/** Raised when a step needs a package function that this build does not export. */
export class StepUnavailableError extends Error {
  constructor(
    readonly step: string,
    readonly packageName: string,
    readonly exportName: string,
  ) {
    super(`step ${step} needs ${packageName}'s ${exportName}, not available in this build`);
    this.name = 'StepUnavailableError';
  }
}

const packageModules: Record<string, Record<string, unknown>> = {
  '@gahb/core': core as unknown as Record<string, unknown>,
  '@gahb/backend': backend as unknown as Record<string, unknown>,
  '@gahb/synthetic-images': syntheticImages as unknown as Record<string, unknown>,
  '@gahb/datasets': datasets as unknown as Record<string, unknown>,
  '@gahb/models': models as unknown as Record<string, unknown>,
  '@gahb/diffusion': diffusion as unknown as Record<string, unknown>,
  '@gahb/linalg-analysis': linalgAnalysis as unknown as Record<string, unknown>,
};

/** Returns whether `packageName` exports a function (or class) called `exportName`. */
export function hasExport(packageName: string, exportName: string): boolean {
  return typeof packageModules[packageName]?.[exportName] === 'function';
}

/**
 * Returns whether the dependency named in a StepUnavailableError exists in this build: an export name, or
 * `generator "NAME"` for a class of @gahb/synthetic-images' generator registry.
 */
export function isDependencyAvailable(packageName: string, dependency: string): boolean {
  const generator = /^generator "(.+)"$/.exec(dependency);
  if (generator !== null) {
    const registry = packageModules['@gahb/synthetic-images']?.generatorRegistry as { has?: (name: string) => boolean } | undefined;
    return typeof registry?.has === 'function' && registry.has(generator[1]);
  }
  return hasExport(packageName, dependency);
}

/**
 * Returns the image generator `name` of @gahb/synthetic-images. Throws StepUnavailableError naming `step`
 * when this build lacks the registry or the class.
 */
export function requireGenerator(step: string, name: string): ImageGenerator {
  const getGenerator = requireExport<GetGenerator>(step, '@gahb/synthetic-images', 'getGenerator');
  if (!isDependencyAvailable('@gahb/synthetic-images', `generator "${name}"`)) {
    throw new StepUnavailableError(step, '@gahb/synthetic-images', `generator "${name}"`);
  }
  return getGenerator(name);
}

/**
 * Returns the function `exportName` of `packageName`, typed as `T`. Throws StepUnavailableError naming
 * `step` when the package does not export it.
 */
export function requireExport<T>(step: string, packageName: string, exportName: string): T {
  const value = packageModules[packageName]?.[exportName];
  if (typeof value !== 'function') {
    throw new StepUnavailableError(step, packageName, exportName);
  }
  return value as T;
}

// Signatures of the functions the pipeline calls, taken from the packages' own declarations so that the
// build checks every call even though the functions are looked up at run time.

export type NpyArray = core.NpyArray;
export type ImageGridOptions = core.ImageGridOptions;
export type Progress = core.Progress;
export type Logger = core.Logger;

export interface CoreApi {
  writeFileAtomic: typeof core.writeFileAtomic;
  writeJsonAtomic: typeof core.writeJsonAtomic;
  readNpy: typeof core.readNpy;
  readNpyHeader: typeof core.readNpyHeader;
  writeNpy: typeof core.writeNpy;
  writeImageGrid: typeof core.writeImageGrid;
  startProgress: typeof core.startProgress;
  createLogger: typeof core.createLogger;
}

export type ImageGenerator = syntheticImages.ImageGenerator;
export type GetGenerator = typeof syntheticImages.getGenerator;
export type TangentSpace = typeof syntheticImages.tangentSpace;

export type PreparedDataset = datasets.PreparedDataset;
export type PrepareDataset = typeof datasets.prepareDataset;
export type SplitSubsets = typeof datasets.splitSubsets;
export type SelectImages = typeof datasets.selectImages;

export type TrainDenoiser = typeof models.trainDenoiser;
export type LoadCheckpoint = typeof models.loadCheckpoint;
export type EmpiricalMmseDenoiserClass = typeof models.EmpiricalMmseDenoiser;

export type SamplerOptions = diffusion.SamplerOptions;
export type SamplePaired = typeof diffusion.samplePaired;
export type NearestNeighbors = typeof diffusion.nearestNeighbors;
export type PairedSimilarity = typeof diffusion.pairedSimilarity;
export type ModelVariance = typeof diffusion.modelVariance;
export type CopyFraction = typeof diffusion.copyFraction;

export type JacobianAnalysis = linalgAnalysis.JacobianAnalysis;
export type AnalyzeDenoiserAt = typeof linalgAnalysis.analyzeDenoiserAt;
export type FitRate = typeof linalgAnalysis.fitRate;
export type OptimalCAlphaSlope = typeof linalgAnalysis.optimalCAlphaSlope;
export type PrincipalAngles = typeof linalgAnalysis.principalAngles;
export type PlotLines = typeof linalgAnalysis.plotLines;
export type PlotHistogram = typeof linalgAnalysis.plotHistogram;

/** Denoiser and image types re-exported for step modules. */
export type { Denoiser, ImageBatch, Tensor4D };

/** Returns @gahb/core's file, image and progress helpers, or throws StepUnavailableError for `step`. */
export function coreApi(step: string): CoreApi {
  const names: Array<keyof CoreApi> = [
    'writeFileAtomic',
    'writeJsonAtomic',
    'readNpy',
    'readNpyHeader',
    'writeNpy',
    'writeImageGrid',
    'startProgress',
    'createLogger',
  ];
  const api: Partial<CoreApi> = {};
  for (const name of names) {
    (api as Record<string, unknown>)[name] = requireExport(step, '@gahb/core', name);
  }
  return api as CoreApi;
}
