/**
 * A resumable pipeline: a list of named steps, each declaring its output files under the run directory.
 * A step is skipped when its completion manifest (`steps/NAME.json`, written after its outputs) records
 * "completed" and every declared output exists, so rerunning after a crash redoes only unfinished steps.
 * A step that needs a package function this build lacks is recorded as "unavailable", a step whose
 * dependency did not complete as "blocked", and the other steps still run.
 */
import { hasExport, requireExport, StepUnavailableError, type CoreApi, type Logger, type Progress } from './package-api';
import type { FigureRecord, RunDirectory, StepManifest } from './run-directory';

/** Result of a step: its numbers, figures and one paragraph for the report. */
export interface StepOutcome {
  metrics: Record<string, unknown>;
  figures: FigureRecord[];
  summary: string;
}

export interface PipelineStep<Context> {
  /** File-name-safe identifier, e.g. "generalization". */
  name: string;
  /** Heading in the report. */
  title: string;
  /** Steps whose completion this step needs. */
  dependsOn?: string[];
  /** Files (relative to the run directory) that exist once the step has completed. */
  outputs(context: Context): string[];
  run(context: Context): Promise<StepOutcome>;
}

export interface PipelineOptions {
  /** When false, every step runs again even if its manifest records it as completed. */
  resume: boolean;
  logger?: Logger;
}

export interface PipelineSummary {
  manifests: StepManifest[];
  /** Names of the steps that ran now (not skipped). */
  ran: string[];
  /** Names of the steps skipped because they had completed before. */
  skipped: string[];
}

/** Returns a progress reporter from @gahb/core, or undefined when this build of core has none. */
export function startProgressIfAvailable(label: string, total: number, unit: string, logger?: Logger): Progress | undefined {
  if (!hasExport('@gahb/core', 'startProgress')) {
    return undefined;
  }
  const startProgress = requireExport<CoreApi['startProgress']>('pipeline', '@gahb/core', 'startProgress');
  return startProgress({ label, total, unit, logger });
}

/** Returns a @gahb/core logger named `name`, or undefined when this build of core has none. */
export function createLoggerIfAvailable(name: string): Logger | undefined {
  if (!hasExport('@gahb/core', 'createLogger')) {
    return undefined;
  }
  return requireExport<CoreApi['createLogger']>('pipeline', '@gahb/core', 'createLogger')(name);
}

/** Returns whether step `name` completed before and all of `outputs` still exist. */
export async function isStepComplete(run: RunDirectory, name: string, outputs: string[]): Promise<boolean> {
  const manifest = await run.readStepManifest(name);
  if (manifest === undefined || manifest.status !== 'completed') {
    return false;
  }
  return outputs.every((output) => run.exists(output));
}

/**
 * Runs `steps` in order on `run`, skipping completed ones when `options.resume` is set. Writes each
 * step's manifest after the step returns (or fails) and rewrites `metrics.json` after every step.
 */
export async function runPipeline<Context>(
  run: RunDirectory,
  steps: PipelineStep<Context>[],
  context: Context,
  options: PipelineOptions,
): Promise<PipelineSummary> {
  const logger = options.logger;
  const ran: string[] = [];
  const skipped: string[] = [];
  const statusByName = new Map<string, StepManifest['status']>();
  const progress = startProgressIfAvailable('reproduce', steps.length, 'steps', logger);

  for (const step of steps) {
    const outputs = step.outputs(context);

    // A completed step is kept as it is, because its manifest already contains its numbers.
    if (options.resume && (await isStepComplete(run, step.name, outputs))) {
      skipped.push(step.name);
      statusByName.set(step.name, 'completed');
      logger?.info({ step: step.name }, 'step already completed, skipped');
      progress?.tick(1, { step: step.name });
      continue;
    }

    const startedAt = new Date();
    const blockedBy = (step.dependsOn ?? []).filter((dependency) => statusByName.get(dependency) !== 'completed');
    let manifest: StepManifest;
    if (blockedBy.length > 0) {
      manifest = finishedManifest(step, startedAt, 'blocked', outputs, {
        metrics: {},
        figures: [],
        summary: `Not run: it needs the step(s) ${blockedBy.join(', ')}, which did not complete.`,
      });
    } else {
      logger?.info({ step: step.name }, 'step started');
      ran.push(step.name);
      manifest = await runOneStep(step, context, startedAt, outputs);
      const missing = manifest.status === 'completed' ? outputs.filter((output) => !run.exists(output)) : [];
      if (missing.length > 0) {
        manifest = {
          ...manifest,
          status: 'failed',
          summary: `Step ${step.name} returned without writing its outputs ${missing.join(', ')}.`,
        };
      }
    }

    await run.writeStepManifest(manifest);
    await run.writeMetrics();
    statusByName.set(step.name, manifest.status);
    const fields = { step: step.name, status: manifest.status, seconds: manifest.seconds };
    if (manifest.status === 'completed') {
      logger?.info(fields, 'step completed');
    } else {
      logger?.warn({ ...fields, reason: manifest.summary }, 'step did not complete');
    }
    progress?.tick(1, { step: step.name });
  }

  progress?.done();
  return { manifests: await run.readAllStepManifests(), ran, skipped };
}

async function runOneStep<Context>(
  step: PipelineStep<Context>,
  context: Context,
  startedAt: Date,
  outputs: string[],
): Promise<StepManifest> {
  try {
    const outcome = await step.run(context);
    return finishedManifest(step, startedAt, 'completed', outputs, outcome);
  } catch (error) {
    const status = error instanceof StepUnavailableError ? 'unavailable' : 'failed';
    const message = error instanceof Error ? error.message : String(error);
    return finishedManifest(step, startedAt, status, outputs, { metrics: {}, figures: [], summary: message });
  }
}

function finishedManifest<Context>(
  step: PipelineStep<Context>,
  startedAt: Date,
  status: StepManifest['status'],
  outputs: string[],
  outcome: StepOutcome,
): StepManifest {
  const finishedAt = new Date();
  return {
    name: step.name,
    title: step.title,
    status,
    outputs,
    metrics: outcome.metrics,
    figures: outcome.figures,
    summary: outcome.summary,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
  };
}
