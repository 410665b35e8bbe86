import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { createNetwork } from '../networks/create-network';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gahb-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkpoint', () => {
  test('save and load reproduce the network output', async () => {
    const network = createNetwork('bf-unet', { blocks: 2, channels: 3 }, 4);
    await saveCheckpoint(dir, network, { training: { epoch: 2, step: 10 } });
    const loaded = await loadCheckpoint(dir);

    const y = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    expect(Array.from(loaded.denoiser.denoise(y).dataSync())).toEqual(Array.from(network.denoiser().denoise(y).dataSync()));
    expect(loaded.config).toEqual(network.config);
    expect(loaded.state.training).toEqual({ epoch: 2, step: 10 });
  });

  test('model.json lists tensors and format', async () => {
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2 }, 1);
    const optimizerState = new Map([['optimizer.m.conv_layers.0.weight', { shape: [1], data: new Float32Array(1) }]]);
    await saveCheckpoint(dir, network, { optimizerState });
    const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(manifest.format).toBe('gahb-checkpoint');
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.tensors.network).toContain('BN_layers.0.running_sd');
    expect(manifest.tensors.optimizer).toEqual(['optimizer.m.conv_layers.0.weight']);
    expect((await loadCheckpoint(dir)).optimizerState.size).toBe(1);
  });

  test('stale model.json falls back to the weights manifest', async () => {
    // A crash after the weights were written and before model.json: model.json still describes step 1.
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2 }, 1);
    await saveCheckpoint(dir, network, { training: { epoch: 0, step: 1 } });
    const stale = await readFile(path.join(dir, 'model.json'));
    await saveCheckpoint(dir, network, { training: { epoch: 1, step: 2 } });
    await writeFile(path.join(dir, 'model.json'), stale);
    expect((await loadCheckpoint(dir)).state.training?.step).toBe(2);
  });

  test('missing weights file is an error', async () => {
    await writeFile(path.join(dir, 'model.json'), '{}');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/is incomplete: .*weights\.safetensors/);
  });

  test('foreign model.json is rejected', async () => {
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2 }, 1);
    await saveCheckpoint(dir, network, {});
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ format: 'keras' }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/not a gahb checkpoint \(format "keras"/);
  });
});
