/**
 * Steps "training-sweep", "training-c-alpha" and "training-disks": train the networks of one experiment
 * each, `--jobs` at a time, after writing the sweep manifest (`sweep/manifest.json`, one task per network
 * of the whole run). Networks trained elsewhere (a Slurm job array on the same run directory) count as
 * finished once their `checkpoints/ID/job.json` exists. When an experiment's unfinished networks would leave
 * some of the `--jobs` slots idle in its last round, networks of later experiments whose data is ready fill
 * those slots. Their own steps then find them finished.
 */
import type { ReproduceContext } from '../context';
import { cAlphaKey } from '../data-sets';
import type { PipelineStep, StepOutcome } from '../pipeline';
import { stepsPerNetwork, type Preset } from '../presets';
import { jobDoneFile, jobId, planTrainingJobs, runTrainingJobs, sweepManifestPath, type SweepManifest, type TrainingJob } from '../training-jobs';
import { sweepDataSets } from '../sweep-networks';
import { dataStepName } from './data';

export type TrainingExperiment = 'sweep' | 'c-alpha' | 'disks';

/** The training experiments in the order in which `gahb reproduce` runs them. */
export const trainingExperiments: readonly TrainingExperiment[] = ['sweep', 'c-alpha', 'disks'];

/** Returns the name of the step that trains the networks of `experiment`. */
export function trainingStepName(experiment: TrainingExperiment): string {
  return `training-${experiment}`;
}

/** Returns the jobs of `experiment`; jobs shared with another experiment appear in both lists. */
export function experimentJobs(preset: Preset, experiment: TrainingExperiment): TrainingJob[] {
  if (experiment === 'sweep') {
    return sweepDataSets(preset).flatMap((dataset) => dataset.pairs.flatMap((pair) => [pair.s1, pair.s2]));
  }
  if (experiment === 'c-alpha') {
    const n = preset.cAlpha.trainCount;
    return preset.cAlpha.alphas.map((alpha) => ({ id: jobId(cAlphaKey(alpha), n, 1), dataset: cAlphaKey(alpha), n, side: 1 as const }));
  }
  const n = preset.disks.trainCount;
  return [{ id: jobId('disks', n, 1), dataset: 'disks', n, side: 1 }];
}

/** Returns the training step of `experiment` for `preset`. */
export function createTrainingStep(preset: Preset, experiment: TrainingExperiment): PipelineStep<ReproduceContext> {
  const jobs = experimentJobs(preset, experiment);
  const dataSteps = [...new Set(jobs.map((job) => dataStepName(job.dataset)))];
  return {
    name: trainingStepName(experiment),
    title: `Training the ${experiment === 'sweep' ? 'generalization sweep' : experiment} networks`,
    dependsOn: dataSteps,
    outputs: () => [sweepManifestPath, ...jobs.map(jobDoneFile)],
    async run(context): Promise<StepOutcome> {
      await writeSweepManifest(context);
      const backfill = await backfillJobs(context, experiment, jobs);
      await runTrainingJobs(context, [...jobs, ...backfill], trainingStepName(experiment));

      const seconds: Record<string, number> = {};
      for (const job of jobs) {
        const record = await context.run.readJson<{ seconds: number }>(jobDoneFile(job));
        seconds[job.id] = record?.seconds ?? Number.NaN;
      }
      const total = Object.values(seconds).reduce((sum, value) => sum + value, 0);
      const { architecture } = context.preset;
      return {
        metrics: { networks: jobs.length, stepsPerNetwork: stepsPerNetwork(context.preset), trainingSeconds: seconds },
        figures: [],
        summary: `${jobs.length} network(s) (${architecture.name} ${JSON.stringify(architecture.config)}), ${stepsPerNetwork(context.preset)} Adam steps each; ${Math.round(total)} s of training summed over the jobs (jobs trained by an earlier session or on a cluster included).`,
      };
    },
  };
}

/**
 * Returns unfinished networks of the experiments after `experiment` that fill the slots the unfinished
 * `jobs` leave idle in their last round of `--jobs` parallel trainings. Only networks whose data step has
 * completed are taken, so a later experiment's missing data cannot fail this step.
 */
export async function backfillJobs(context: ReproduceContext, experiment: TrainingExperiment, jobs: TrainingJob[]): Promise<TrainingJob[]> {
  const slots = context.options.jobs;
  const pending = jobs.filter((job) => !context.run.exists(jobDoneFile(job))).length;
  if (slots <= 1 || pending === 0 || pending % slots === 0) {
    return [];
  }
  const idle = slots - (pending % slots);
  const own = new Set(jobs.map((job) => job.id));
  const later = trainingExperiments.slice(trainingExperiments.indexOf(experiment) + 1);
  const chosen: TrainingJob[] = [];
  for (const candidate of later.flatMap((name) => experimentJobs(context.preset, name))) {
    if (chosen.length === idle) {
      break;
    }
    if (own.has(candidate.id) || chosen.some((job) => job.id === candidate.id) || context.run.exists(jobDoneFile(candidate))) {
      continue;
    }
    const data = await context.run.readStepManifest(dataStepName(candidate.dataset));
    if (data?.status === 'completed') {
      chosen.push(candidate);
    }
  }
  return chosen;
}

/** Writes `sweep/manifest.json` for the preset of `context` unless it exists with the same tasks. */
export async function writeSweepManifest(context: ReproduceContext): Promise<SweepManifest> {
  const manifest: SweepManifest = { version: 1, preset: context.preset.name, tasks: planTrainingJobs(context.preset) };
  const existing = await context.run.readJson<SweepManifest>(sweepManifestPath);
  if (existing === undefined || JSON.stringify(existing) !== JSON.stringify(manifest)) {
    await context.run.writeJson(sweepManifestPath, manifest);
  }
  return manifest;
}
