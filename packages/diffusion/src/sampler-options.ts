/**
 * Options of the coarse-to-fine sampler, their defaults and their validation.
 *
 * Defaults are the values of Kadkhodaie, Guth, Simoncelli & Mallat (ICLR 2024, App. A.2): h0 = 0.01, β = 0.1,
 * σ₀ = 1, σ_L = 0.05, with initial mean 0.5 and the increasing step schedule of the authors' code.
 */

/** Progress of one sampler run, reported after every step. */
export interface SamplerProgress {
  /** Steps taken so far by the longest-running sample of the current batch. */
  iteration: number;
  /** Samples of the whole request that have stopped (converged, hit the step limit or diverged). */
  finished: number;
  /** Samples in the whole request. */
  total: number;
  /** Largest effective noise level σ among the samples still running, in pixel units. */
  maxSigma: number;
}

/** Action of the sampler when a sample's effective noise level exceeds `divergenceSigma`. */
export type DivergenceAction = 'mark' | 'error';

/** Step-size schedule: `ramp` is h_t = h0·t / (1 + h0·(t − 1)) (the authors' code), `constant` is h_t = h0 (the paper's Algorithm 1). */
export type StepSchedule = 'ramp' | 'constant';

export interface SamplerOptions {
  /** σ₀: standard deviation of the initial noise, in pixel units of [0, 1] images. Default 1. */
  sigma0: number;
  /** σ_L: a sample stops once its effective noise level σ = ‖x̂(y) − y‖/√d is at most this value. Default 0.05. */
  sigmaFinal: number;
  /** h0: step size of the first step, in (0, 1]. Default 0.01. */
  h0: number;
  /**
   * β: fraction of the noise removed per step that is not replaced by fresh noise, in (0, 1]. β = 1 is
   * deterministic gradient ascent; smaller β injects more noise. Default 0.1.
   */
  beta: number;
  /** Mean m of the initial noise y₀ ~ N(m, σ₀²), in pixel units. Default 0.5. */
  initialMean: number;
  /** Step-size schedule. Default 'ramp'. */
  schedule: StepSchedule;
  /**
   * Maximum number of steps per sample. Default 5000: the constant schedule with the default h0 and β needs
   * about 3,000 steps to go from σ₀ = 1 to σ_L = 0.05 (σ shrinks by 1 − βh per step), so 5000 leaves a
   * margin; the ramp schedule needs about 100.
   */
  maxIterations: number;
  /** Return the one-step denoised x̂(y) of the last state instead of the state y itself. Default true. */
  finalDenoise: boolean;
  /** A sample whose effective noise level σ exceeds this bound (pixel units) is diverging. Default 2. */
  divergenceSigma: number;
  /** 'mark' (default): a diverging sample stops with status 'diverged'; 'error': the run throws. */
  onDivergence: DivergenceAction;
  /** Record the state and its one-step denoised image every this many steps (and σ at every step). Off by default. */
  trajectoryEvery?: number;
  /** Maximum number of samples passed to the denoiser at once. Default: all samples of the request. */
  batchSize?: number;
  /** Called after every step. */
  onProgress?: (progress: SamplerProgress) => void;
}

export const DEFAULT_SAMPLER_OPTIONS: Readonly<SamplerOptions> = Object.freeze({
  sigma0: 1,
  sigmaFinal: 0.05,
  h0: 0.01,
  beta: 0.1,
  initialMean: 0.5,
  schedule: 'ramp',
  maxIterations: 5000,
  finalDenoise: true,
  divergenceSigma: 2,
  onDivergence: 'mark',
});

function assertFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`Sampler option ${name} ${value} is invalid: use a finite number.`);
  }
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`Sampler option ${name} ${value} is invalid: use an integer >= 1.`);
  }
}

/** Returns the defaults overridden by `options`, after checking every value; errors name the option and its valid range. */
export function resolveSamplerOptions(options: Partial<SamplerOptions> = {}): SamplerOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: SamplerOptions = { ...DEFAULT_SAMPLER_OPTIONS, ...defined };

  for (const name of ['sigma0', 'sigmaFinal', 'h0', 'beta', 'initialMean', 'divergenceSigma'] as const) {
    assertFinite(name, resolved[name]);
  }
  if (resolved.sigma0 <= 0) {
    throw new Error(`Sampler option sigma0 ${resolved.sigma0} is invalid: use a value > 0.`);
  }
  if (resolved.sigmaFinal <= 0 || resolved.sigmaFinal >= resolved.sigma0) {
    throw new Error(
      `Sampler option sigmaFinal ${resolved.sigmaFinal} is invalid: use a value > 0 and below sigma0 (${resolved.sigma0}).`,
    );
  }
  if (resolved.h0 <= 0 || resolved.h0 > 1) {
    throw new Error(`Sampler option h0 ${resolved.h0} is invalid: use a value in (0, 1].`);
  }
  if (resolved.beta <= 0 || resolved.beta > 1) {
    throw new Error(`Sampler option beta ${resolved.beta} is invalid: use a value in (0, 1].`);
  }
  if (resolved.divergenceSigma <= resolved.sigmaFinal) {
    throw new Error(
      `Sampler option divergenceSigma ${resolved.divergenceSigma} is invalid: use a value above sigmaFinal (${resolved.sigmaFinal}).`,
    );
  }
  if (resolved.schedule !== 'ramp' && resolved.schedule !== 'constant') {
    throw new Error(`Sampler option schedule "${String(resolved.schedule)}" is invalid: use 'ramp' or 'constant'.`);
  }
  if (resolved.onDivergence !== 'mark' && resolved.onDivergence !== 'error') {
    throw new Error(`Sampler option onDivergence "${String(resolved.onDivergence)}" is invalid: use 'mark' or 'error'.`);
  }
  if (typeof resolved.finalDenoise !== 'boolean') {
    throw new Error(`Sampler option finalDenoise ${String(resolved.finalDenoise)} is invalid: use true or false.`);
  }
  assertPositiveInteger('maxIterations', resolved.maxIterations);
  if (resolved.trajectoryEvery !== undefined) {
    assertPositiveInteger('trajectoryEvery', resolved.trajectoryEvery);
  }
  if (resolved.batchSize !== undefined) {
    assertPositiveInteger('batchSize', resolved.batchSize);
  }
  return resolved;
}

/** Step size h_t of step t (t = 1, 2, …) under `schedule`. */
export function stepSize(schedule: StepSchedule, h0: number, t: number): number {
  if (schedule === 'constant') {
    return h0;
  }
  return (h0 * t) / (1 + h0 * (t - 1));
}
