import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ReproduceContext } from '../context';
import { getPreset } from '../presets';
import { RunDirectory, type StepManifest } from '../run-directory';
import { jobDoneFile } from '../training-jobs';
import { backfillJobs, experimentJobs } from './training';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-training-step-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function quickContext(jobs: number): ReproduceContext {
  return { run: new RunDirectory(dir), preset: getPreset('quick'), options: { data: 'patches:bundled', jobs, backend: 'wasm' } };
}

async function markCompleted(run: RunDirectory, name: string): Promise<void> {
  const now = new Date().toISOString();
  const manifest: StepManifest = { name, title: name, status: 'completed', outputs: [], metrics: {}, figures: [], summary: '', startedAt: now, finishedAt: now, seconds: 0 };
  await run.writeStepManifest(manifest);
}

describe('backfillJobs', () => {
  test('backfill takes a ready later network', async () => {
    const context = quickContext(2);
    const cAlpha = experimentJobs(context.preset, 'c-alpha');
    // quick trains 4 C^α classes, one of them (α = 2) shared with the sweep; 4 networks leave no slot idle.
    expect(cAlpha).toHaveLength(4);
    await context.run.writeJson(jobDoneFile(cAlpha[0]), { seconds: 1 });

    expect(await backfillJobs(context, 'c-alpha', cAlpha)).toEqual([]);

    await markCompleted(context.run, 'data-disks');
    expect(await backfillJobs(context, 'c-alpha', cAlpha)).toEqual(experimentJobs(context.preset, 'disks'));
  });

  test('backfill takes nothing when unneeded', async () => {
    const context = quickContext(2);
    await markCompleted(context.run, 'data-disks');
    const cAlpha = experimentJobs(context.preset, 'c-alpha');

    expect(await backfillJobs(context, 'c-alpha', cAlpha)).toEqual([]);
    expect(await backfillJobs(quickContext(1), 'c-alpha', cAlpha.slice(1))).toEqual([]);
    await context.run.writeJson(jobDoneFile(experimentJobs(context.preset, 'disks')[0]), { seconds: 1 });
    expect(await backfillJobs(context, 'c-alpha', cAlpha.slice(1))).toEqual([]);
    expect(await backfillJobs(context, 'disks', experimentJobs(context.preset, 'disks'))).toEqual([]);
  });
});
