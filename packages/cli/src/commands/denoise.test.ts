import path from 'node:path';
import { readNpy, writeNpy } from '@gahb/core';
import { createNetwork, saveCheckpoint } from '@gahb/models';
import { initBackend } from '@gahb/backend';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-denoise-cli-'));
});

afterEach(finishCliTest);

describe('gahb denoise', () => {
  test('identity network leaves PSNR unchanged', async () => {
    // A bf-cnn whose weights are all zero predicts zero noise, so the denoised image is the noisy one.
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2 }, 0);
    const weights = network.getWeights();
    for (const [name, entry] of weights) {
      entry.data.fill(name.endsWith('running_sd') ? 1 : 0);
    }
    network.setWeights(weights);
    const model = path.join(dir, 'model');
    await saveCheckpoint(model, network, {});

    const images = new Float32Array(3 * 64).map((_, k) => 0.5 + 0.3 * Math.sin(k));
    const input = path.join(dir, 'clean.npy');
    await writeNpy(input, { dtype: 'float32', shape: [3, 8, 8, 1], data: images });
    const denoisedFile = path.join(dir, 'denoised.npy');
    await gahb('denoise', '--model', model, '--input', input, '--sigma', '0.1', '--seed', '1', '--output', denoisedFile, '--backend', 'wasm');

    const lines = output.join('\n');
    const psnrIn = Number(/PSNR in:\s+([\d.]+)/.exec(lines)?.[1]);
    const psnrOut = Number(/PSNR out:\s+([\d.]+)/.exec(lines)?.[1]);
    // PSNR of σ = 0.1 noise is about 20 dB; 64 pixels per image leave a spread of about ±1.5 dB.
    expect(Math.abs(psnrIn - 20)).toBeLessThan(1.5);
    expect(psnrOut).toBe(psnrIn);
    const denoised = await readNpy(denoisedFile);
    expect(denoised.shape).toEqual([3, 8, 8, 1]);
  });

  test('nchw input is read with --layout nchw', async () => {
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2, imageChannels: 3 }, 0);
    const weights = network.getWeights();
    for (const [name, entry] of weights) {
      entry.data.fill(name.endsWith('running_sd') ? 1 : 0);
    }
    network.setWeights(weights);
    const model = path.join(dir, 'model-rgb');
    await saveCheckpoint(model, network, {});
    // [2, 3, 4, 4]: channel c of image i is the constant 0.2 + 0.3c + 0.1i, so NHWC pixel values tell the order apart.
    const nchw = new Float32Array(2 * 3 * 16);
    for (let i = 0; i < 2; i++) for (let c = 0; c < 3; c++) nchw.fill(0.2 + 0.3 * c + 0.1 * i, (i * 3 + c) * 16, (i * 3 + c + 1) * 16);
    const input = path.join(dir, 'clean-nchw.npy');
    await writeNpy(input, { dtype: 'float32', shape: [2, 3, 4, 4], data: nchw });
    const denoisedFile = path.join(dir, 'denoised-rgb.npy');

    await gahb('denoise', '--model', model, '--input', input, '--layout', 'nchw', '--sigma', '0', '--output', denoisedFile, '--backend', 'wasm');

    const denoised = await readNpy(denoisedFile);
    expect(denoised.shape).toEqual([2, 4, 4, 3]);
    // Image 1, pixel 5, channels 0, 1, 2 (σ = 0 and a zero network return the input).
    const base = (16 + 5) * 3;
    expect(Array.from(denoised.data.subarray(base, base + 3)).map((value) => Number(value.toFixed(4)))).toEqual([0.3, 0.6, 0.9]);
    await gahb('denoise', '--model', model, '--input', input, '--layout', 'nchw', '--sigma', '25', '--backend', 'wasm');
    expect(output.join('\n')).toContain('warning: --sigma 25 is in pixel units of [0, 1] images');
    expect(output.join('\n')).toContain('for 25 on the 0..255 scale pass --sigma 0.0980.');
    await expect(gahb('denoise', '--model', model, '--input', input, '--layout', 'chw', '--sigma', '0', '--backend', 'wasm')).rejects.toThrow(
      '--layout chw is invalid: use nhwc or nchw.',
    );
  });

  test('missing output folder is rejected first', async () => {
    const input = path.join(dir, 'clean.npy');
    await writeNpy(input, { dtype: 'float32', shape: [1, 8, 8, 1], data: new Float32Array(64) });
    const output = path.join(dir, 'missing', 'denoised.npy');
    // The checkpoint does not exist either: the output check comes first, before any work.
    await expect(gahb('denoise', '--model', path.join(dir, 'none'), '--input', input, '--sigma', '0.1', '--output', output)).rejects.toThrow(
      'does not exist; create it first',
    );
  });

  test('missing checkpoint is an error', async () => {
    const input = path.join(dir, 'clean.npy');
    await writeNpy(input, { dtype: 'float32', shape: [1, 8, 8, 1], data: new Float32Array(64) });
    await expect(gahb('denoise', '--model', path.join(dir, 'none'), '--input', input, '--sigma', '0.1')).rejects.toThrow(/Checkpoint folder .*none was not found: pass a folder written by gahb train or gahb import-pytorch/);
  });
});
