import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeNpy } from '@gahb/core';
import type { EpochMetrics } from '@gahb/models';
import { parseConfigPairs, stopIfDiverged } from './train';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-train-cli-'));
});

afterEach(finishCliTest);

/** Writes 10 smooth 8x8 grayscale images (ramps of varying slope) as float32 .npy [10, 8, 8, 1]. */
async function writeRamps(file: string): Promise<void> {
  const data = new Float32Array(10 * 64);
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k < 64; k++) {
      data[i * 64 + k] = 0.2 + 0.06 * i * ((k % 8) / 7) + 0.02 * Math.floor(k / 8);
    }
  }
  await writeNpy(file, { dtype: 'float32', shape: [10, 8, 8, 1], data });
}

const trainArgs = (data: string, out: string) => [
  'train', '--data', data, '--n', '4', '--side', '2', '--arch', 'bf-cnn', '--config', 'layers=3', '--config', 'channels=4',
  '--epochs', '2', '--batch-size', '2', '--samples-per-epoch', '4', '--eval-images', '2', '--seed', '3', '--backend', 'wasm', '--out', out,
];

describe('gahb train', () => {
  test('reads an nchw array with --layout nchw', async () => {
    const data = path.join(dir, 'ramps-nchw.npy');
    // [10, 1, 8, 8]: with one channel the values are the same as [10, 8, 8, 1], only the shape differs.
    const values = new Float32Array(10 * 64).map((_, k) => 0.2 + 0.5 * ((k % 64) / 63));
    await writeNpy(data, { dtype: 'float32', shape: [10, 1, 8, 8], data: values });

    await expect(gahb(...trainArgs(data, path.join(dir, 'rejected')))).rejects.toThrow('use layout nchw');
    await gahb(...trainArgs(data, path.join(dir, 'run-nchw')), '--layout', 'nchw');

    const manifest = JSON.parse(await readFile(path.join(dir, 'run-nchw', 'model.json'), 'utf8'));
    expect(manifest.data.trainShape).toEqual([4, 8, 8, 1]);
    await expect(gahb(...trainArgs(data, path.join(dir, 'x')), '--layout', 'hwc')).rejects.toThrow('--layout hwc is invalid: use nhwc or nchw.');
  });

  test('trains S2 and records the split', async () => {
    const data = path.join(dir, 'ramps.npy');
    await writeRamps(data);
    const out = path.join(dir, 'run');
    await gahb(...trainArgs(data, out));

    const manifest = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(manifest.architecture).toBe('bf-cnn');
    expect(manifest.config).toMatchObject({ layers: 3, channels: 4 });
    expect(manifest.data.side).toBe(2);
    expect(manifest.data.indices).toEqual([6, 7, 8, 9]);
    expect(manifest.training).toMatchObject({ epoch: 2, step: 4 });
    const metrics = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics).toHaveLength(2);
    expect(output.join('\n')).toContain('trained:  2 epochs, 4 steps');
  });

  test('resume extends a finished run', async () => {
    const data = path.join(dir, 'ramps.npy');
    await writeRamps(data);
    const out = path.join(dir, 'run');
    await gahb(...trainArgs(data, out));
    const args = trainArgs(data, out);
    args[args.indexOf('--epochs') + 1] = '3';
    await gahb(...args, '--resume');
    const manifest = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(manifest.training).toMatchObject({ epoch: 3, step: 6 });
  });

  test('resume on another side is rejected', async () => {
    const data = path.join(dir, 'ramps.npy');
    await writeRamps(data);
    const out = path.join(dir, 'run');
    await mkdir(out);
    // A checkpoint record of S2 of the same set; the S1 run below has the same image shapes.
    const recorded = { source: `npy:${data}`, side: 2, n: 4, indices: [6, 7, 8, 9] };
    await writeFile(path.join(out, 'model.json'), JSON.stringify({ data: recorded }));
    const args = trainArgs(data, out);
    args[args.indexOf('--side') + 1] = '1';
    await expect(gahb(...args, '--resume')).rejects.toThrow('it was trained on another subset (side S2 → S1)');
  });

  test('output path that is a file is rejected', async () => {
    const data = path.join(dir, 'ramps.npy');
    await writeRamps(data);
    await expect(gahb(...trainArgs(data, data))).rejects.toThrow('is a file, not a folder');
  });

  test('weights without model.json are rejected', async () => {
    const data = path.join(dir, 'ramps.npy');
    await writeRamps(data);
    const out = path.join(dir, 'run');
    await mkdir(out);
    await writeFile(path.join(out, 'weights.safetensors'), 'earlier weights');
    await expect(gahb(...trainArgs(data, out), '--resume')).rejects.toThrow('contains weights.safetensors but no model.json');
    expect(await readFile(path.join(out, 'weights.safetensors'), 'utf8')).toBe('earlier weights');
  });

  test('repeated config option is rejected', () => {
    expect(() => parseConfigPairs(['blocks=2', 'blocks=3'])).toThrow('--config blocks is given twice (blocks=2 and blocks=3)');
  });

  test('stopIfDiverged rejects NaN loss', () => {
    const metrics = { epoch: 3, step: 6, learningRate: 1e6, trainLoss: Number.NaN, testLoss: 1 } as EpochMetrics;
    expect(() => stopIfDiverged(metrics)).toThrow('Training diverged: in epoch 3 the training loss is NaN');
    expect(() => stopIfDiverged({ ...metrics, trainLoss: 1 })).not.toThrow();
  });

  test('invalid side is rejected', async () => {
    const args = trainArgs(path.join(dir, 'missing.npy'), path.join(dir, 'run'));
    args[args.indexOf('--side') + 1] = '3';
    await expect(gahb(...args)).rejects.toThrow(/--side 3 is invalid: use 1 \(S1\) or 2 \(S2\)/);
  });

  test('unknown architecture option is rejected', async () => {
    const data = path.join(dir, 'ramps.npy');
    await writeRamps(data);
    await expect(gahb(...trainArgs(data, path.join(dir, 'run')), '--config', 'depth=3')).rejects.toThrow(/unknown option "depth"/);
  });
});
