import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readNpy } from '@gahb/core';
import { loadDataSet } from '../data-sets';
import { runPipeline } from '../pipeline';
import { openRun } from '../reproduce';
import { RunDirectory } from '../run-directory';
import { createDataSteps } from './data';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-data-step-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('data-photos step', () => {
  test('too small image set names the preset', async () => {
    // Two 16x16 photographs; preset smoke needs 2N = 8 images.
    const photos = path.join(dir, 'photos');
    await mkdir(photos);
    for (let i = 0; i < 2; i++) {
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 40 * i, g: 90, b: 30 } } })
        .png()
        .toFile(path.join(photos, `photo-${i}.png`));
    }
    const context = await openRun({ preset: 'smoke', data: `folder:${photos}`, out: path.join(dir, 'run'), backend: 'wasm' });
    const steps = createDataSteps(context.preset).filter((step) => step.name === 'data-photos');

    const summary = await runPipeline(context.run, steps, context, { resume: false, logger: context.logger });

    const [manifest] = summary.manifests;
    expect(manifest.status).toBe('failed');
    expect(manifest.summary).toContain(`--data folder:${photos} (2 images) is too small for preset smoke, whose largest N is 4`);
  });
});

describe('loadDataSet', () => {
  test('unreadable file names the fix', async () => {
    const run = new RunDirectory(path.join(dir, 'run'));
    await mkdir(run.resolve('data', 'disks'), { recursive: true });
    await writeFile(run.resolve('data', 'disks', 'images.npy'), 'not a .npy file');
    const plan = { key: 'disks', kind: 'disks' as const, poolCount: 8, testCount: 8 };
    await expect(loadDataSet(run, plan, { readNpy })).rejects.toThrow('Delete the folder data/disks and rerun with --resume');
  });
});
