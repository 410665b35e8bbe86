/**
 * `gahb reproduce`: the whole study as one resumable pipeline on a run directory. It runs one data step
 * per data set, then trains the sweep, C^α and disk networks. The analysis steps follow: generalization
 * (PSNR curves and gaps, with the ideal memorizer), sampling (S1/S2 pairs, similarities, model variance),
 * trajectories, jacobian, c-alpha and disks. The HTML report is rebuilt at the end.
 */
import { stat } from 'node:fs/promises';
import { backendRegistry } from '@gahb/backend';
import { dataSourceRegistry, parseDataSpec } from '@gahb/datasets';
import '../register-synthetic-source';
import type { ReproduceContext, ReproduceOptions, RunConfig } from './context';
import { createLoggerIfAvailable, runPipeline, type PipelineStep, type PipelineSummary } from './pipeline';
import { getPreset, type Preset } from './presets';
import { RunDirectory } from './run-directory';
import { cAlphaStep } from './steps/c-alpha';
import { createDataSteps } from './steps/data';
import { disksStep } from './steps/disks';
import { generalizationStep } from './steps/generalization';
import { jacobianStep } from './steps/jacobian';
import { samplingStep } from './steps/sampling';
import { trajectoriesStep } from './steps/trajectories';
import { createTrainingStep } from './steps/training';
import { writeReport } from '../report/html-report';

/** Returns the steps of `gahb reproduce` for `preset`, in the order they run. */
export function reproduceSteps(preset: Preset): PipelineStep<ReproduceContext>[] {
  return [
    ...createDataSteps(preset),
    createTrainingStep(preset, 'sweep'),
    createTrainingStep(preset, 'c-alpha'),
    createTrainingStep(preset, 'disks'),
    generalizationStep,
    samplingStep,
    trajectoriesStep,
    jacobianStep,
    cAlphaStep,
    disksStep,
  ];
}

export interface ReproduceRequest extends Partial<ReproduceOptions> {
  /** Preset name: smoke, quick, standard or paper. Required for a new run; a resumed run keeps its own. */
  preset?: string;
  /** Run directory. */
  out: string;
  /** Continue the run in `out`, skipping completed steps and finished training jobs. */
  resume?: boolean;
}

export interface ReproduceResult {
  run: RunDirectory;
  summary: PipelineSummary;
  reportPath: string;
}

/**
 * Rejects a run request whose --out is a file, or whose --data scheme or --backend name is unknown, before
 * the run directory is created, so that a typo fails at once instead of after the steps that do not need it.
 */
async function checkRunRequest(request: ReproduceRequest): Promise<void> {
  const info = await stat(request.out).catch(() => null);
  if (info !== null && !info.isDirectory()) {
    throw new Error(`--out ${request.out} is a file, not a folder: give the run directory.`);
  }
  if (request.data !== undefined) {
    const { scheme } = parseDataSpec(request.data);
    if (!dataSourceRegistry.has(scheme)) {
      throw new Error(`--data ${request.data} is invalid: unknown data source "${scheme}"; use one of ${dataSourceRegistry.names().join(', ')}.`);
    }
  }
  if (request.backend !== undefined && request.backend !== 'auto' && !backendRegistry.has(request.backend)) {
    throw new Error(`--backend ${request.backend} is invalid: use auto, ${backendRegistry.names().join(', ')}.`);
  }
}

/**
 * Opens (resume) or creates the run directory `request.out` and returns the step context. A new run
 * writes `config.json`; a resumed run reads it, and a preset that differs from the stored one is an error.
 */
export async function openRun(request: ReproduceRequest): Promise<ReproduceContext> {
  await checkRunRequest(request);
  const run = new RunDirectory(request.out);
  const stored = await run.readRunConfig();
  if (stored !== undefined && !request.resume) {
    throw new Error(`${run.root} already contains a run (config.json exists): pass --resume to continue it, or choose another --out.`);
  }
  if (stored !== undefined && request.preset !== undefined && request.preset !== stored.preset.name) {
    throw new Error(`${run.root} contains a run of preset "${stored.preset.name}", not "${request.preset}": resume it without --preset or with --preset ${stored.preset.name}.`);
  }

  if (stored !== undefined && request.data !== undefined && request.data !== stored.options.data) {
    throw new Error(`${run.root} contains a run on --data ${stored.options.data}, not ${request.data}: resume it without --data, or choose another --out.`);
  }

  let preset: Preset;
  let options: ReproduceOptions;
  if (stored !== undefined) {
    preset = stored.preset;
    // The number of jobs and the backend may change between sessions; the data source may not.
    options = { ...stored.options, jobs: request.jobs ?? stored.options.jobs, backend: request.backend ?? stored.options.backend };
  } else {
    preset = getPreset(request.preset ?? 'quick');
    options = { data: request.data ?? 'patches:bundled', jobs: request.jobs ?? 1, backend: request.backend ?? 'auto' };
  }
  if (!Number.isInteger(options.jobs) || options.jobs < 1) {
    throw new Error(`--jobs ${options.jobs} is invalid: use an integer ≥ 1.`);
  }

  await run.create();
  if (stored === undefined) {
    const config: RunConfig = { preset, options, createdAt: new Date().toISOString(), gahbVersion: packageVersion() };
    await run.writeJson('config.json', config);
  }
  return { run, preset, options, logger: createLoggerIfAvailable('reproduce') };
}

/** Runs the reproduce pipeline on `request.out` and rebuilds the report. */
export async function reproduce(request: ReproduceRequest): Promise<ReproduceResult> {
  const context = await openRun(request);
  const steps = reproduceSteps(context.preset);
  const summary = await runPipeline(context.run, steps, context, { resume: request.resume ?? false, logger: context.logger });
  const reportPath = await writeReport(context.run, steps.map((step) => step.name));
  return { run: context.run, summary, reportPath };
}

function packageVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}
