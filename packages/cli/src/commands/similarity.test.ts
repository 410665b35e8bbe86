import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RandomStream, writeNpy } from '@gahb/core';
import { initBackend } from '@gahb/backend';
import { createProgram, main } from '../main';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

let dir: string;
let logSpy: jest.SpyInstance;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-similarity-cli-'));
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(async () => {
  logSpy.mockRestore();
  await rm(dir, { recursive: true, force: true });
});

async function gahb(...args: string[]): Promise<void> {
  await createProgram().parseAsync(['node', 'gahb', ...args]);
}

describe('gahb similarity', () => {
  test('finds copied training images', async () => {
    const stream = RandomStream.fromSeed(2, 'similarity-cli');
    const training = stream.fillUniform(new Float32Array(10 * 36));
    // Sample 0 copies training image 3, sample 1 copies image 5 with small noise; sample 2 is new.
    const samples = new Float32Array(3 * 36);
    samples.set(training.subarray(3 * 36, 4 * 36), 0);
    for (let k = 0; k < 36; k++) {
      samples[36 + k] = training[5 * 36 + k] + 0.01 * stream.normal();
    }
    samples.set(stream.fillUniform(new Float32Array(36)), 72);
    await writeNpy(path.join(dir, 'train.npy'), { dtype: 'float32', shape: [10, 6, 6], data: training });
    await writeNpy(path.join(dir, 'a.npy'), { dtype: 'float32', shape: [3, 6, 6, 1], data: samples });
    await writeNpy(path.join(dir, 'b.npy'), { dtype: 'float32', shape: [3, 6, 6, 1], data: samples });
    const out = path.join(dir, 'similarity.json');

    await gahb('similarity', '--samples', path.join(dir, 'a.npy'), '--paired', path.join(dir, 'b.npy'), '--train', path.join(dir, 'train.npy'), '--out', out, '--chunk-size', '4', '--backend', 'wasm');

    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.measure).toBe('mean-removed cosine similarity');
    expect(report.nearest.index.slice(0, 2)).toEqual([3, 5]);
    expect(report.nearest.similarity[0]).toBeCloseTo(1, 5);
    expect(report.nearest.similarity[1]).toBeGreaterThan(0.99);
    // 36 random pixels: a new image's best correlation with 10 others stays well below 0.95.
    expect(report.nearest.similarity[2]).toBeLessThan(0.95);
    expect(report.copyFraction).toBeCloseTo(2 / 3, 12);
    expect(report.paired.median).toBeCloseTo(1, 5);
    expect(report.nearest.histogram.counts.reduce((sum: number, count: number) => sum + count, 0) + report.nearest.histogram.underflow).toBe(3);
  });

  test('pairs the models of one sample file', async () => {
    // A [models, n, h, w, c] file as `gahb sample` writes for two models: model 1 is model 0 negated.
    const stream = RandomStream.fromSeed(4, 'similarity-cli-models');
    const training = stream.fillUniform(new Float32Array(5 * 16));
    const modelZero = stream.fillUniform(new Float32Array(2 * 16));
    const both = new Float32Array(4 * 16);
    both.set(modelZero, 0);
    both.set(modelZero.map((value) => -value), 2 * 16);
    await writeNpy(path.join(dir, 'train.npy'), { dtype: 'float32', shape: [5, 4, 4, 1], data: training });
    await writeNpy(path.join(dir, 'samples.npy'), { dtype: 'float32', shape: [2, 2, 4, 4, 1], data: both });
    const out = path.join(dir, 'similarity.json');

    await gahb('similarity', '--samples', path.join(dir, 'samples.npy'), '--train', path.join(dir, 'train.npy'), '--out', out, '--backend', 'wasm');

    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.paired.modelIndex).toBe(1);
    // Mean-removed cosine similarity of an image with its negation is −1.
    expect(report.paired.similarity[0]).toBeCloseTo(-1, 5);
    expect(report.paired.similarity[1]).toBeCloseTo(-1, 5);
    await expect(
      gahb('similarity', '--samples', path.join(dir, 'samples.npy'), '--model-index', '2', '--train', path.join(dir, 'train.npy'), '--out', out),
    ).rejects.toThrow('contains the samples of 2 model(s), so model index 2 does not exist');
  });

  test('reports invalid and empty files', async () => {
    const train = path.join(dir, 'train.npy');
    const flat = path.join(dir, 'flat.npy');
    const empty = path.join(dir, 'empty.npy');
    await writeNpy(train, { dtype: 'float32', shape: [2, 4, 4], data: new Float32Array(32) });
    await writeNpy(flat, { dtype: 'float32', shape: [2, 16], data: new Float32Array(32) });
    await writeNpy(empty, { dtype: 'float32', shape: [0, 4, 4], data: new Float32Array(0) });
    const out = path.join(dir, 'out.json');

    // Through main(), which used to exit without a message when an action raised a commander error.
    await expect(main(['node', 'gahb', 'similarity', '--samples', flat, '--train', train, '--out', out, '--backend', 'wasm'])).rejects.toThrow(
      `"${flat}" has shape [2, 16]: use [n, h, w], [n, h, w, c] or [models, n, h, w, c].`,
    );
    await expect(gahb('similarity', '--samples', empty, '--train', train, '--out', out, '--backend', 'wasm')).rejects.toThrow(
      `"${empty}" contains no images (shape [0, 4, 4])`,
    );
    await expect(gahb('similarity', '--samples', train, '--train', train, '--out', train)).rejects.toThrow(
      `--out "${train}" is also the path of --train; give each output its own file.`,
    );
    const errorSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(gahb('similarity', '--samples', train, '--train', train, '--out', out, '--bins', '1e9')).rejects.toThrow(
      '"1e9" is invalid: use an integer from 1 to 100000.',
    );
    errorSpy.mockRestore();
  });
});
