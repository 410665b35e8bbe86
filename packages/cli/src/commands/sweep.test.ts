import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProgram } from '../main';
import { hasExport } from '../reproduce/package-api';
import { getPreset } from '../reproduce/presets';
import { RunDirectory, type StepManifest } from '../reproduce/run-directory';
import { jobDoneFile, planTrainingJobs, type SweepManifest } from '../reproduce/training-jobs';

const smokeJobs = planTrainingJobs(getPreset('smoke'));

function gahb(...args: string[]): Promise<unknown> {
  return createProgram().parseAsync(['node', 'gahb', ...args]);
}

describe('gahb sweep', () => {
  let root: string;
  let run: RunDirectory;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gahb-sweep-'));
    run = new RunDirectory(path.join(root, 'run'));
    await gahb('sweep', '--preset', 'smoke', '--emit', 'slurm', '--out', run.root, '--backend', 'wasm', '--time', '02:00:00', '--gpus', '1', '--partition', 'gpu');
  }, 60_000);

  afterAll(async () => {
    delete process.env.SLURM_ARRAY_TASK_ID;
    await rm(root, { recursive: true, force: true });
  });

  test('manifest lists one task per training job', async () => {
    const manifest = await run.readJson<SweepManifest>('sweep/manifest.json');

    expect(manifest?.preset).toBe('smoke');
    expect(manifest?.tasks.map((task) => task.id)).toEqual(smokeJobs.map((job) => job.id));
  });

  test('sbatch script declares the job array', async () => {
    const script = await readFile(run.resolve('sweep', 'gahb-sweep.sbatch'), 'utf8');

    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain(`#SBATCH --array=0-${smokeJobs.length - 1}\n`);
    expect(script).toContain('#SBATCH --time=02:00:00\n');
    expect(script).toContain('#SBATCH --gres=gpu:1\n');
    expect(script).toContain('#SBATCH --partition=gpu\n');
    expect(script).toContain(`#SBATCH --output=${run.root}/sweep/logs/%A_%a.out\n`);
  });

  test('sbatch script runs one task per array index', async () => {
    const script = await readFile(run.resolve('sweep', 'gahb-sweep.sbatch'), 'utf8');
    const binPath = path.resolve(__dirname, '..', '..', 'bin', 'gahb.js');

    expect(script).toContain(`node ${binPath} sweep --task "$SLURM_ARRAY_TASK_ID" --run ${run.root} --backend wasm\n`);
  });

  test('data is prepared before the tasks run', () => {
    for (const job of smokeJobs) {
      expect(run.exists(path.join('data', job.dataset, 'images.npy'))).toBe(true);
    }
  });

  test('task index out of range is rejected', async () => {
    await expect(gahb('sweep', '--task', String(smokeJobs.length), '--run', run.root)).rejects.toThrow(
      `Task ${smokeJobs.length} is invalid: ${run.resolve('sweep', 'manifest.json')} lists tasks 0 to ${smokeJobs.length - 1}.`,
    );
  });

  test('task without a run directory is rejected', async () => {
    await expect(gahb('sweep', '--task', '0')).rejects.toThrow('--task needs --run DIR');
  });

  test('tasks run one by one and reproduce collects them', async () => {
    if (!hasExport('@gahb/models', 'trainDenoiser')) {
      await expect(gahb('sweep', '--task', '0', '--run', run.root)).rejects.toThrow("needs @gahb/models's trainDenoiser, not available in this build");
      return;
    }

    // Task 0 comes from the Slurm variable, the others from --task, as on a cluster and by hand.
    process.env.SLURM_ARRAY_TASK_ID = '0';
    await gahb('sweep', '--run', run.root);
    delete process.env.SLURM_ARRAY_TASK_ID;
    for (let task = 1; task < smokeJobs.length; task++) {
      await gahb('sweep', '--task', String(task), '--run', run.root);
    }
    for (const job of smokeJobs) {
      expect(run.exists(jobDoneFile(job))).toBe(true);
    }

    const finishedAt = await Promise.all(smokeJobs.map(async (job) => (await run.readJson<{ finishedAt: string }>(jobDoneFile(job)))?.finishedAt));
    await gahb('reproduce', '--resume', '--out', run.root).catch(() => undefined);
    const training = (await run.readAllStepManifests()).filter((manifest: StepManifest) => manifest.name.startsWith('training-'));

    expect(training.map((manifest) => manifest.status)).toEqual(['completed', 'completed', 'completed']);
    const finishedAfter = await Promise.all(smokeJobs.map(async (job) => (await run.readJson<{ finishedAt: string }>(jobDoneFile(job)))?.finishedAt));
    expect(finishedAfter).toEqual(finishedAt);
  }, 180_000);
});

describe('gahb sweep options', () => {
  test('invalid SLURM_ARRAY_TASK_ID is rejected', async () => {
    process.env.SLURM_ARRAY_TASK_ID = 'x';
    try {
      await expect(gahb('sweep', '--run', path.join(os.tmpdir(), 'unused'))).rejects.toThrow('SLURM_ARRAY_TASK_ID "x" is invalid');
    } finally {
      delete process.env.SLURM_ARRAY_TASK_ID;
    }
  });

  test('negative task index is rejected', async () => {
    await expect(gahb('sweep', '--task', '-1', '--run', path.join(os.tmpdir(), 'unused'))).rejects.toThrow('Use an integer ≥ 0.');
  });

  test('unknown emit format is rejected', async () => {
    await expect(gahb('sweep', '--preset', 'smoke', '--emit', 'pbs', '--out', path.join(os.tmpdir(), 'unused'))).rejects.toThrow(
      "--emit pbs is invalid: the only format is 'slurm'.",
    );
  });
});

describe('gahb sweep --task', () => {
  test('run directory without config.json is rejected', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'gahb-sweep-task-'));
    const missing = path.join(root, 'run');
    try {
      await expect(gahb('sweep', '--task', '0', '--run', missing)).rejects.toThrow(`${missing} has no config.json`);
      expect(existsSync(missing)).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
