import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readNpy, readNpyHeader } from '@gahb/core';
import { getGenerator } from '@gahb/synthetic-images';
import { generatorOptions, loadDataSet, planDataSets, trainingSubset } from '../data-sets';
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
    await expect(loadDataSet(run, plan, { readNpy, readNpyHeader })).rejects.toThrow('Delete the folder data/disks and rerun with --resume');
  });
});

describe('data-disks step', () => {
  test('pool is uint8 and S2 reads back', async () => {
    const context = await openRun({ preset: 'smoke', data: 'patches:bundled', out: path.join(dir, 'run'), backend: 'wasm' });
    const steps = createDataSteps(context.preset).filter((step) => step.name === 'data-disks');
    const plan = planDataSets(context.preset).find((candidate) => candidate.key === 'disks')!;

    const summary = await runPipeline(context.run, steps, context, { resume: false, logger: context.logger });

    expect(summary.manifests[0].status).toBe('completed');
    const header = await readNpyHeader(context.run.resolve('data', 'disks', 'images.npy'));
    expect(header.dtype).toBe('uint8');
    expect(header.shape[0]).toBe(plan.poolCount);

    const data = await loadDataSet(context.run, plan, { readNpy, readNpyHeader });
    const subset = await trainingSubset('test', data, 2, 2);
    const generated = getGenerator('disks').generate(plan.poolCount, context.preset.seed, generatorOptions(context.preset, plan)).images;
    const imageSize = generated.shape[1] * generated.shape[2];
    const expected = generated.data.subarray((plan.poolCount - 2) * imageSize).map((value) => Math.min(255, Math.max(0, Math.round(value * 255))) / 255);
    expect(Array.from(subset.indices)).toEqual([plan.poolCount - 2, plan.poolCount - 1]);
    expect(Array.from(subset.images.data as Float32Array)).toEqual(Array.from(expected));
  });
});
