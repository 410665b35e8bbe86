/**
 * The training jobs of a reproduce run: one network per (data set, N, side). Jobs are independent, so
 * they run `--jobs K` at a time as child processes (`gahb sweep --task i --run DIR`), on a Slurm job
 * array, or one after another in-process. Each job resumes from its checkpoint and writes
 * `checkpoints/ID/job.json` last, so a finished job is never trained again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { initBackend } from '@gahb/backend';
import type { ReproduceContext } from './context';
import { cAlphaKey, loadDataSet, planDataSets, trainingSubset } from './data-sets';
import { startProgressIfAvailable } from './pipeline';
import { stepsPerNetwork, type Preset } from './presets';
import { coreApi, requireExport, type LoadCheckpoint, type TrainDenoiser, type Denoiser } from './package-api';
import type { RunDirectory } from './run-directory';
import { sliceImageBatch } from '@gahb/core';

export interface TrainingJob {
  /** Folder name under `checkpoints/`, e.g. "c-alpha-2-n100-s1". */
  id: string;
  /** Key of the data set under `data/`. */
  dataset: string;
  /** Training-set size. */
  n: number;
  /** 1 = trained on S1, 2 = trained on S2. */
  side: 1 | 2;
}

/** `sweep/manifest.json`: the jobs of a run, indexed by Slurm array task id. */
export interface SweepManifest {
  version: 1;
  preset: string;
  tasks: TrainingJob[];
}

export const sweepManifestPath = path.join('sweep', 'manifest.json');

/** Returns the job id of the network trained on `side` of `dataset` with `n` images. */
export function jobId(dataset: string, n: number, side: 1 | 2): string {
  return `${dataset}-n${n}-s${side}`;
}

/** Returns every training job of `preset`, without duplicates, in a fixed order. */
export function planTrainingJobs(preset: Preset): TrainingJob[] {
  const jobs = new Map<string, TrainingJob>();
  const add = (dataset: string, n: number, side: 1 | 2): void => {
    jobs.set(jobId(dataset, n, side), { id: jobId(dataset, n, side), dataset, n, side });
  };

  for (const dataset of preset.generalization.datasets) {
    const key = dataset.name === 'c-alpha' ? cAlphaKey(preset.generalization.cAlphaAlpha) : 'photos';
    for (const n of dataset.sizes) {
      add(key, n, 1);
      add(key, n, 2);
    }
  }
  for (const alpha of preset.cAlpha.alphas) {
    add(cAlphaKey(alpha), preset.cAlpha.trainCount, 1);
  }
  add('disks', preset.disks.trainCount, 1);
  return [...jobs.values()];
}

/** Relative path of the file a finished job writes last. */
export function jobDoneFile(job: TrainingJob): string {
  return path.join('checkpoints', job.id, 'job.json');
}

/** Returns a 31-bit seed for `job`, derived from the preset seed and the job id (FNV-1a hash). */
export function jobSeed(presetSeed: number, job: TrainingJob): number {
  let hash = 0x811c9dc5;
  for (const character of `${presetSeed}/${job.id}`) {
    hash ^= character.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

let initializedBackend: string | undefined;

/** Initialises the TensorFlow.js backend `name` once per process. */
export async function ensureBackend(name: string): Promise<void> {
  if (initializedBackend !== name) {
    await initBackend({ backend: name });
    initializedBackend = name;
  }
}

/**
 * Trains the network of `job` (resuming its checkpoint) and writes `checkpoints/ID/job.json`; `step`
 * names the caller in errors.
 */
export async function runTrainingJob(context: ReproduceContext, job: TrainingJob, step = 'training'): Promise<void> {
  const trainDenoiser = requireExport<TrainDenoiser>(step, '@gahb/models', 'trainDenoiser');
  const core = coreApi(step);
  const { run, preset } = context;
  if (run.exists(jobDoneFile(job))) {
    return;
  }

  const plan = planDataSets(preset).find((candidate) => candidate.key === job.dataset);
  if (plan === undefined) {
    throw new Error(`Job ${job.id} uses data set "${job.dataset}", which preset ${preset.name} does not prepare.`);
  }
  await ensureBackend(context.options.backend);
  const data = await loadDataSet(run, plan, core);
  const subset = await trainingSubset(step, data, job.n, job.side);
  const testCount = Math.min(preset.generalization.evaluationCount, data.test.shape[0]);

  const outDir = run.resolve('checkpoints', job.id);
  const startedAt = Date.now();
  await trainDenoiser({
    architecture: preset.architecture.name,
    config: preset.architecture.config,
    data: { train: subset.images, test: sliceImageBatch(data.test, 0, testCount) },
    dataInfo: { source: `run data/${job.dataset}`, split: `S${job.side} of N = ${job.n}`, indices: Array.from(subset.indices) },
    epochs: preset.training.epochs,
    samplesPerEpoch: preset.training.samplesPerEpoch,
    batchSize: preset.training.batchSize,
    learningRate: preset.training.learningRate,
    lrHalvingEpochs: preset.training.lrHalvingEpochs,
    noise: { distribution: preset.training.noiseDistribution, sigmaMax: 1 },
    seed: jobSeed(preset.seed, job),
    outDir,
    resume: true,
    evalSigmas: preset.generalization.evaluationSigmas,
    label: job.id,
  });

  await run.writeJson(jobDoneFile(job), {
    job,
    steps: stepsPerNetwork(preset),
    seconds: (Date.now() - startedAt) / 1000,
    finishedAt: new Date().toISOString(),
  });
}

/** Loads the denoiser of a finished job from its checkpoint. */
export async function loadJobDenoiser(context: ReproduceContext, step: string, job: TrainingJob): Promise<Denoiser> {
  const loadCheckpoint = requireExport<LoadCheckpoint>(step, '@gahb/models', 'loadCheckpoint');
  await ensureBackend(context.options.backend);
  const checkpoint = await loadCheckpoint(context.run.resolve('checkpoints', job.id));
  return checkpoint.denoiser;
}

/** Path of the `gahb` executable script that child processes run. */
export function gahbBinPath(): string {
  return path.resolve(__dirname, '..', '..', 'bin', 'gahb.js');
}

/**
 * Runs the unfinished ones of `jobs` (jobs of the run's manifest): in this process when `context.options.jobs` is 1, else as
 * that many child processes at a time (`gahb sweep --task i --run DIR`). Throws after all jobs ended when
 * one failed, naming the failed jobs.
 */
export async function runTrainingJobs(context: ReproduceContext, jobs: TrainingJob[], step: string): Promise<void> {
  const run = context.run;
  // Child processes find their job by its index in the manifest of the whole run.
  const taskIndex = new Map(planTrainingJobs(context.preset).map((job, task) => [job.id, task]));
  const pending = jobs
    .filter((job) => !run.exists(jobDoneFile(job)))
    .map((job) => ({ job, task: taskIndex.get(job.id) ?? -1 }));
  if (pending.length > 0) {
    // Checked here so that a build without training reports the step unavailable, not failed child processes.
    requireExport<TrainDenoiser>(step, '@gahb/models', 'trainDenoiser');
  }
  const progress = startProgressIfAvailable('training jobs', pending.length, 'networks', context.logger);
  const failures: string[] = [];

  if (context.options.jobs <= 1) {
    for (const { job } of pending) {
      await runTrainingJob(context, job, step);
      progress?.tick(1, { job: job.id });
    }
    progress?.done();
    return;
  }

  const children = new TrainingChildren();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const { job, task } = pending[next];
      next += 1;
      const exitCode = await runChildTask(children, run, task, context.options.backend);
      if (exitCode !== 0) {
        failures.push(`${job.id} (exit code ${exitCode})`);
      }
      progress?.tick(1, { job: job.id });
    }
  };
  await Promise.all(Array.from({ length: Math.min(context.options.jobs, pending.length) }, worker));
  progress?.done();
  if (failures.length > 0) {
    throw new Error(`Training jobs failed: ${failures.join(', ')}. Rerun with --resume to retry them.`);
  }
}

/**
 * Running child processes of training jobs. While any runs, a SIGINT or SIGTERM sent to this process alone
 * (kill PID, a scheduler, not Ctrl-C, which signals the whole process group) is passed on to them before
 * this process exits. Otherwise the orphans would go on writing checkpoints that a resumed run trains
 * again at the same time.
 * NOTE: SIGKILL cannot be passed on, so after `kill -9` of this process its children run to the end.
 */
export class TrainingChildren {
  private readonly children = new Set<ChildProcess>();
  private readonly onSignal = (signal: NodeJS.Signals): void => this.forward(signal);

  /** @param exit Ends this process after a signal was passed on; the default raises the signal again. */
  constructor(private readonly exit: (signal: NodeJS.Signals) => void = (signal) => process.kill(process.pid, signal)) {}

  /** Spawns `node ARGS` and resolves with its exit code (128 when a signal ended it). */
  run(args: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      this.add(child);
      child.on('error', (error) => {
        this.remove(child);
        reject(error);
      });
      child.on('exit', (code, signal) => {
        this.remove(child);
        resolve(code ?? (signal === null ? 1 : 128));
      });
    });
  }

  /** Sends `signal` to every running child, stops listening and ends this process with `exit`. */
  forward(signal: NodeJS.Signals): void {
    for (const child of this.children) {
      child.kill(signal);
    }
    this.detach();
    this.exit(signal);
  }

  private add(child: ChildProcess): void {
    if (this.children.size === 0) {
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
    }
    this.children.add(child);
  }

  private remove(child: ChildProcess): void {
    this.children.delete(child);
    if (this.children.size === 0) {
      this.detach();
    }
  }

  private detach(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

function runChildTask(children: TrainingChildren, run: RunDirectory, task: number, backend: string): Promise<number> {
  return children.run([gahbBinPath(), 'sweep', '--task', String(task), '--run', run.root, '--backend', backend]);
}
