import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createImageBatch, type ImageBatch } from '@gahb/core';

import { loadCheckpoint } from '../checkpoint/checkpoint';
import { trainDenoiser, type TrainDenoiserOptions } from './train';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

/** Returns n smooth 8x8 images: a random mix of horizontal and vertical ramps and a constant, in [0, 1]. */
function rampImages(n: number, offset: number): ImageBatch {
  const batch = createImageBatch(n, 8, 8, 1);
  for (let i = 0; i < n; i++) {
    const a = ((i + offset) % 5) / 5;
    const b = ((i * 3 + offset) % 7) / 7;
    for (let row = 0; row < 8; row++) {
      for (let column = 0; column < 8; column++) {
        batch.data[(i * 8 + row) * 8 + column] = 0.2 + 0.3 * a * (row / 7) + 0.3 * b * (column / 7);
      }
    }
  }
  return batch;
}

const directories: string[] = [];
async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gahb-train-'));
  directories.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(directories.map((dir) => rm(dir, { recursive: true, force: true })));
});

function baseOptions(outDir: string): TrainDenoiserOptions {
  return {
    architecture: 'bf-unet',
    config: { blocks: 1, channels: 4 },
    data: { train: rampImages(8, 0), test: rampImages(4, 100) },
    dataInfo: { source: 'synthetic:ramps', split: 'test fixture' },
    epochs: 2,
    samplesPerEpoch: 12,
    batchSize: 4,
    lrHalvingEpochs: 1,
    seed: 5,
    outDir,
    evalSigmas: [0.1, 0.4],
  };
}

/** Returns the weights file's bytes, which hold network and optimizer tensors. */
async function weightBytes(dir: string): Promise<Buffer> {
  return readFile(path.join(dir, 'weights.safetensors'));
}

/** Returns metrics.jsonl without the timing fields, which differ between runs. */
async function metricsWithoutTiming(dir: string): Promise<unknown[]> {
  const lines = (await readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  return lines.map((line) => {
    const { seconds: _seconds, stepsPerSecond: _rate, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  });
}

/** Returns the tensor bytes of weights.safetensors (after the JSON header, whose metadata contains timestamps). */
function tensorSection(bytes: Buffer): Buffer {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  return bytes.subarray(8 + headerLength);
}

describe('trainDenoiser', () => {
  test('resume after an epoch equals uninterrupted run', async () => {
    const whole = await temporaryDirectory();
    const resumed = await temporaryDirectory();

    await trainDenoiser(baseOptions(whole));
    await trainDenoiser({ ...baseOptions(resumed), epochs: 1 });
    await trainDenoiser({ ...baseOptions(resumed), resume: true });

    expect(tensorSection(await weightBytes(resumed)).equals(tensorSection(await weightBytes(whole)))).toBe(true);
    expect(await metricsWithoutTiming(resumed)).toEqual(await metricsWithoutTiming(whole));
  });

  test('resume in mid-epoch equals uninterrupted run', async () => {
    const whole = await temporaryDirectory();
    const resumed = await temporaryDirectory();

    await trainDenoiser(baseOptions(whole));
    await trainDenoiser({ ...baseOptions(resumed), maxSteps: 4 });
    await trainDenoiser({ ...baseOptions(resumed), resume: true });

    expect(tensorSection(await weightBytes(resumed)).equals(tensorSection(await weightBytes(whole)))).toBe(true);
    expect(await metricsWithoutTiming(resumed)).toEqual(await metricsWithoutTiming(whole));
  });

  test('checkpoint records run settings', async () => {
    const dir = await temporaryDirectory();
    const result = await trainDenoiser({ ...baseOptions(dir), epochs: 1 });
    const checkpoint = await loadCheckpoint(dir);

    expect(result.step).toBe(3);
    expect(checkpoint.state.architecture).toBe('bf-unet');
    expect(checkpoint.state.training?.epoch).toBe(1);
    expect(checkpoint.state.training?.step).toBe(3);
    expect(checkpoint.state.data).toMatchObject({ source: 'synthetic:ramps', trainShape: [8, 8, 8, 1] });
    expect(checkpoint.state.hyperParameters).toMatchObject({ seed: 5, batchSize: 4, learningRate: 1e-3, samplesPerEpoch: 12 });
    expect(checkpoint.state.hyperParameters).toMatchObject({ noise: { distribution: 'quadratic', sigmaMin: 0, sigmaMax: 1 } });
    expect(checkpoint.optimizerState.size).toBe(2 * checkpoint.network.trainable.size);
    expect(checkpoint.state.metrics).toMatchObject({ epoch: 1, step: 3 });
  });

  test('learning rate halves every lrHalvingEpochs', async () => {
    const dir = await temporaryDirectory();
    const { metrics } = await trainDenoiser(baseOptions(dir));
    expect(metrics.map((line) => line.learningRate)).toEqual([1e-3, 5e-4]);
  });

  test('existing checkpoint without resume is an error', async () => {
    const dir = await temporaryDirectory();
    await trainDenoiser({ ...baseOptions(dir), epochs: 1 });
    await expect(trainDenoiser(baseOptions(dir))).rejects.toThrow(/already contains a checkpoint; pass resume/);
  });

  test('resume with other settings is an error', async () => {
    const dir = await temporaryDirectory();
    await trainDenoiser({ ...baseOptions(dir), epochs: 1 });
    await expect(trainDenoiser({ ...baseOptions(dir), batchSize: 2, resume: true })).rejects.toThrow(/batchSize 4 → 2/);
  });
});

describe('trainDenoiser resume checks', () => {
  test('other training images are rejected', async () => {
    const dir = await temporaryDirectory();
    await trainDenoiser({ ...baseOptions(dir), epochs: 1 });
    // Same shape, other values: images 1 … 8 of the ramp family in place of 0 … 7.
    await expect(trainDenoiser({ ...baseOptions(dir), data: { train: rampImages(8, 1), test: rampImages(4, 100) }, resume: true })).rejects.toThrow(
      /Cannot resume: the run differs from its checkpoint in training image values \(SHA-256 [0-9a-f]{12}… → [0-9a-f]{12}…\)/,
    );
    await expect(trainDenoiser({ ...baseOptions(dir), data: { train: rampImages(8, 0), test: rampImages(4, 101) }, resume: true })).rejects.toThrow(
      /test image values/,
    );
  });
});

describe('trainDenoiser failures', () => {
  test('non-finite training or test pixels are rejected', async () => {
    const dir = await temporaryDirectory();
    const train = rampImages(8, 0);
    train.data[64 + 5] = Number.NaN;
    const test = rampImages(4, 100);
    test.data[3 * 64] = Number.POSITIVE_INFINITY;

    await expect(trainDenoiser({ ...baseOptions(dir), data: { train, test: rampImages(4, 100) } })).rejects.toThrow(
      'training images: image 1 has the value NaN at index 5; remove or repair that image',
    );
    await expect(trainDenoiser({ ...baseOptions(dir), data: { train: rampImages(8, 0), test } })).rejects.toThrow(
      'test images: image 3 has the value Infinity at index 0',
    );
    expect(existsSync(path.join(dir, 'model.json'))).toBe(false);
  });

  test('a diverging run stops before writing a checkpoint', async () => {
    const dir = await temporaryDirectory();
    // Finite pixels near the float32 maximum overflow in the first convolution's sums. The cpu backend is
    // used because the wasm backend's ReLU maps NaN to 0, which hides the overflow from the loss.
    const huge = rampImages(8, 0);
    huge.data.fill(3e38);
    await tf.setBackend('cpu');
    try {
      await expect(trainDenoiser({ ...baseOptions(dir), data: { train: huge, test: rampImages(4, 100) } })).rejects.toThrow(
        /Training diverged: the loss of step 1 \(epoch 1\) is (NaN|Infinity) at learning rate 0\.001\. The last checkpoint is kept/,
      );
    } finally {
      await tf.setBackend('wasm');
    }
    expect(existsSync(path.join(dir, 'model.json'))).toBe(false);
  });

  test('a fresh run drops metrics lines left without a checkpoint', async () => {
    const dir = await temporaryDirectory();
    await writeFile(path.join(dir, 'metrics.jsonl'), '{"epoch":1,"step":3}\n{"epoch":2,"step":6}\n');
    const { metrics } = await trainDenoiser({ ...baseOptions(dir), epochs: 1 });
    expect(await metricsWithoutTiming(dir)).toEqual(metrics.map(({ seconds: _s, stepsPerSecond: _r, ...rest }) => rest));
  });
});

describe('trainDenoiser memory', () => {
  test('training leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const { network } = await trainDenoiser(baseOptions(await temporaryDirectory()));
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
