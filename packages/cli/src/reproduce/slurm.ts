/**
 * Slurm job-array script of a sweep: array task i runs training job i of `sweep/manifest.json` with
 * `gahb sweep --task $SLURM_ARRAY_TASK_ID --run DIR`. After the array finishes, `gahb reproduce --resume
 * --out DIR` finds every job's `checkpoints/ID/job.json` and runs the analysis steps.
 */

import path from 'node:path';

export interface SlurmOptions {
  /** Absolute path of the run directory, shared by the cluster nodes. */
  runDirectory: string;
  /** Number of array tasks (training jobs). */
  taskCount: number;
  /** Command that starts gahb on a node, e.g. "node /opt/gahb/packages/cli/bin/gahb.js". */
  gahbCommand: string;
  /** TensorFlow.js backend of every task ('auto' picks tfjs-node-gpu or tfjs-node when installed). */
  backend: string;
  /** Wall-clock limit per task in Slurm's format, e.g. "48:00:00". */
  time: string;
  cpusPerTask: number;
  /** GPUs per task (0 for none). */
  gpus: number;
  /** Slurm partition; omitted from the script when undefined. */
  partition?: string;
  /** Memory per task, e.g. "16G"; omitted when undefined. */
  memory?: string;
}

/** Quotes `value` for a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Slurm's --time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]], or unlimited. */
const SLURM_TIME = /^(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|UNLIMITED|INFINITE)$/i;
/** Slurm's --mem: an integer with an optional K, M, G or T unit (megabytes without one). */
const SLURM_MEMORY = /^\d+[KMGT]?$/i;
/** One partition name or a comma-separated list of them. */
const SLURM_PARTITION = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;

/**
 * Rejects directive values that sbatch would reject only at submission, after the data was prepared. The
 * #SBATCH lines are not shell code, so the check is about sbatch's formats, not about quoting.
 */
export function checkSlurmOptions(options: Pick<SlurmOptions, 'time' | 'partition' | 'memory'>): void {
  if (!SLURM_TIME.test(options.time)) {
    throw new Error(`--time ${options.time} is invalid: use Slurm's format, e.g. 48:00:00 (hours:minutes:seconds) or 2-00:00:00 (days-hours:minutes:seconds).`);
  }
  if (options.partition !== undefined && !SLURM_PARTITION.test(options.partition)) {
    throw new Error(`--partition ${options.partition} is invalid: use a partition name (letters, digits, _ . -) or a comma-separated list.`);
  }
  if (options.memory !== undefined && !SLURM_MEMORY.test(options.memory)) {
    throw new Error(`--memory ${options.memory} is invalid: use an integer with an optional unit K, M, G or T, e.g. 16G.`);
  }
}

/** Returns the text of the sbatch script for `options`. */
export function slurmArrayScript(options: SlurmOptions): string {
  if (!Number.isInteger(options.taskCount) || options.taskCount < 1) {
    throw new Error(`A Slurm array needs at least one task, got ${options.taskCount}: the preset defines no training jobs.`);
  }
  // Slurm resolves relative paths against the folder sbatch was called in, which need not be this one.
  if (!path.isAbsolute(options.runDirectory)) {
    throw new Error(`slurmArrayScript: run directory ${options.runDirectory} is relative; pass an absolute path.`);
  }
  checkSlurmOptions(options);
  const logs = `${options.runDirectory}/sweep/logs`;
  const directives = [
    '#SBATCH --job-name=gahb-sweep',
    `#SBATCH --array=0-${options.taskCount - 1}`,
    `#SBATCH --cpus-per-task=${options.cpusPerTask}`,
    `#SBATCH --time=${options.time}`,
    `#SBATCH --output=${logs}/%A_%a.out`,
    `#SBATCH --error=${logs}/%A_%a.err`,
  ];
  if (options.gpus > 0) {
    directives.push(`#SBATCH --gres=gpu:${options.gpus}`);
  }
  if (options.partition !== undefined) {
    directives.push(`#SBATCH --partition=${options.partition}`);
  }
  if (options.memory !== undefined) {
    directives.push(`#SBATCH --mem=${options.memory}`);
  }

  return [
    '#!/bin/bash',
    '# Training jobs of a gahb reproduce run as a Slurm job array, one network per array task.',
    '# Submit with: sbatch THIS_FILE. Each task resumes its checkpoint, so a requeued task continues.',
    `# When every task has finished: gahb reproduce --resume --out ${shellQuote(options.runDirectory)}`,
    ...directives,
    '',
    'set -euo pipefail',
    `mkdir -p ${shellQuote(logs)}`,
    `${options.gahbCommand} sweep --task "$SLURM_ARRAY_TASK_ID" --run ${shellQuote(options.runDirectory)} --backend ${shellQuote(options.backend)}`,
    '',
  ].join('\n');
}
