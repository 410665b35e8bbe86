import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { registerCommand } from '../command-registry';
import type { ReproduceContext } from '../reproduce/context';
import { runPipeline } from '../reproduce/pipeline';
import { presets } from '../reproduce/presets';
import { openRun } from '../reproduce/reproduce';
import { checkSlurmOptions, slurmArrayScript, shellQuote } from '../reproduce/slurm';
import { createDataSteps } from '../reproduce/steps/data';
import { writeSweepManifest } from '../reproduce/steps/training';
import { gahbBinPath, runTrainingJob, sweepManifestPath, type SweepManifest } from '../reproduce/training-jobs';

interface SweepCommandOptions {
  preset?: string;
  data?: string;
  out?: string;
  emit?: string;
  task?: number;
  run?: string;
  manifest?: string;
  backend?: string;
  time: string;
  cpusPerTask: number;
  gpus: number;
  partition?: string;
  memory?: string;
}

/** Parses a command-line value that must be an integer ≥ 0; commander names the option and value in the error. */
function parseCount(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError('Use an integer ≥ 0.');
  }
  return parsed;
}

/** Prepares the data of a run, writes its sweep manifest and the Slurm array script. */
async function emitSlurm(options: SweepCommandOptions): Promise<void> {
  if (options.emit !== 'slurm') {
    throw new Error(`--emit ${options.emit} is invalid: the only format is 'slurm'.`);
  }
  if (options.out === undefined) {
    throw new Error('--emit slurm needs --out DIR, the run directory that the cluster nodes share.');
  }
  checkSlurmOptions(options);
  const context: ReproduceContext = await openRun({ preset: options.preset, data: options.data, out: options.out, resume: true, backend: options.backend });

  // The array tasks read the prepared data, so it is written here, once, before the script.
  const summary = await runPipeline(context.run, createDataSteps(context.preset), context, { resume: true, logger: context.logger });
  const incomplete = summary.manifests.filter((manifest) => manifest.status !== 'completed');
  if (incomplete.length > 0) {
    throw new Error(`Data preparation did not complete: ${incomplete.map((manifest) => `${manifest.name} (${manifest.status}): ${manifest.summary}`).join('; ')}`);
  }

  const manifest = await writeSweepManifest(context);
  // Slurm opens the --output and --error files before the script runs, so their folder must exist already.
  await mkdir(context.run.resolve('sweep', 'logs'), { recursive: true });
  const script = slurmArrayScript({
    runDirectory: context.run.resolve(),
    taskCount: manifest.tasks.length,
    gahbCommand: `node ${shellQuote(gahbBinPath())}`,
    backend: context.options.backend,
    time: options.time,
    cpusPerTask: options.cpusPerTask,
    gpus: options.gpus,
    partition: options.partition,
    memory: options.memory,
  });
  const scriptPath = path.join('sweep', 'gahb-sweep.sbatch');
  await context.run.writeFile(scriptPath, script);
  console.log(`${manifest.tasks.length} training jobs: ${context.run.resolve(sweepManifestPath)}`);
  console.log(`Slurm script: ${context.run.resolve(scriptPath)} (submit with sbatch; then gahb reproduce --resume --out ${context.run.root})`);
}

/** Runs training job `task` of the sweep manifest of a run. */
async function runTask(options: SweepCommandOptions): Promise<void> {
  const environmentTask = process.env.SLURM_ARRAY_TASK_ID;
  const environmentIndex = environmentTask === undefined ? undefined : Number(environmentTask);
  if (environmentIndex !== undefined && !(Number.isInteger(environmentIndex) && environmentIndex >= 0)) {
    throw new Error(`SLURM_ARRAY_TASK_ID "${environmentTask}" is invalid: expected an integer ≥ 0; pass --task INDEX instead.`);
  }
  const task = options.task ?? environmentIndex;
  if (task === undefined) {
    throw new Error('Pass --task INDEX (or run inside a Slurm array, which sets SLURM_ARRAY_TASK_ID), or --emit slurm to write the array script.');
  }
  const runDirectory = options.run ?? options.out;
  if (runDirectory === undefined) {
    throw new Error('--task needs --run DIR, the run directory whose sweep/manifest.json lists the jobs.');
  }

  // openRun would start a new run of the default preset in a folder without config.json.
  if (!existsSync(path.join(runDirectory, 'config.json'))) {
    throw new Error(`${runDirectory} has no config.json: pass the --out directory of gahb sweep --emit slurm or gahb reproduce.`);
  }
  const context = await openRun({ out: runDirectory, resume: true, backend: options.backend });
  const manifestPath = options.manifest ?? context.run.resolve(sweepManifestPath);
  const manifest = await context.run.readJson<SweepManifest>(path.relative(context.run.root, path.resolve(manifestPath)));
  if (manifest === undefined) {
    throw new Error(`${manifestPath} not found: write it with gahb sweep --emit slurm --out ${runDirectory} (or gahb reproduce).`);
  }
  const job = manifest.tasks[task];
  if (job === undefined) {
    throw new Error(`Task ${task} is invalid: ${manifestPath} lists tasks 0 to ${manifest.tasks.length - 1}.`);
  }
  if (!context.run.exists(path.join('data', job.dataset, 'images.npy'))) {
    throw new Error(`The data of job ${job.id} (data/${job.dataset}) is missing: run gahb sweep --emit slurm --out ${runDirectory} first.`);
  }
  await runTrainingJob(context, job);
  console.log(`Task ${task}: job ${job.id} finished.`);
}

registerCommand({
  name: 'sweep',
  description: 'Training jobs of a reproduce run: write a Slurm job-array script (--emit slurm) or run one job (--task i).',
  configure(command) {
    command
      .option('--preset <name>', `experiment size for --emit: ${Object.keys(presets).join(', ')}`)
      .option('--data <source>', "natural-image source, as for gahb reproduce: 'patches:bundled' or e.g. 'celeba:DIR'")
      .option('--out <dir>', 'run directory shared by the cluster nodes')
      .option('--emit <format>', "write the job-array script instead of training: 'slurm'")
      .option('--task <index>', 'run this job of the manifest (default: $SLURM_ARRAY_TASK_ID)', parseCount)
      .option('--run <dir>', 'run directory of --task (same as --out)')
      .option('--manifest <file>', 'task manifest (default: RUN/sweep/manifest.json)')
      .option('--backend <name>', "TensorFlow.js backend: 'auto', 'wasm', 'cpu', 'tensorflow' or 'tensorflow-gpu'")
      .option('--time <limit>', 'Slurm wall-clock limit per task', '48:00:00')
      .option('--cpus-per-task <count>', 'Slurm CPUs per task', parseCount, 4)
      .option('--gpus <count>', 'GPUs per task (Slurm --gres=gpu:COUNT), 0 for none', parseCount, 0)
      .option('--partition <name>', 'Slurm partition')
      .option('--memory <size>', 'Slurm memory per task, e.g. 16G')
      .action(async (options: SweepCommandOptions) => {
        if (options.emit !== undefined) {
          await emitSlurm(options);
        } else {
          await runTask(options);
        }
      });
  },
});
