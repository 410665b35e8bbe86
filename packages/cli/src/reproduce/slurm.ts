/**
 * Slurm job-array script of a sweep: array task i runs training job i of `sweep/manifest.json` with
 * `gahb sweep --task $SLURM_ARRAY_TASK_ID --run DIR`. After the array finishes, `gahb reproduce --resume
 * --out DIR` finds every job's `checkpoints/ID/job.json` and runs the analysis steps.
 */

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

/** Returns the text of the sbatch script for `options`. */
export function slurmArrayScript(options: SlurmOptions): string {
  if (!Number.isInteger(options.taskCount) || options.taskCount < 1) {
    throw new Error(`A Slurm array needs at least one task, got ${options.taskCount}: the preset defines no training jobs.`);
  }
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
