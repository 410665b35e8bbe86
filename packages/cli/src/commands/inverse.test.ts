import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readNpy, writeNpy } from '@gahb/core';
import { superResolution } from '@gahb/diffusion';
import { createNetwork, saveCheckpoint } from '@gahb/models';
import { initBackend } from '@gahb/backend';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-inverse-cli-'));
});

afterEach(finishCliTest);

describe('gahb inverse', () => {
  test('super-resolution keeps block sums of input', async () => {
    const network = createNetwork('bf-cnn', { layers: 3, channels: 2 }, 3);
    const model = path.join(dir, 'model');
    await saveCheckpoint(model, network, {});
    network.dispose();
    const clean = new Float32Array(2 * 64).map((_, k) => 0.5 + 0.3 * Math.sin(0.7 * k));
    const input = path.join(dir, 'clean.npy');
    await writeNpy(input, { dtype: 'float32', shape: [2, 8, 8, 1], data: clean });
    const out = path.join(dir, 'restored.npy');

    await gahb('inverse', '--model', model, '--task', 'super-resolution', '--factor', '2', '--input', input, '--out', out, '--max-iterations', '20', '--backend', 'wasm');

    const restored = await readNpy(out);
    expect(restored.shape).toEqual([2, 8, 8, 1]);
    const operator = superResolution([8, 8, 1], { factor: 2 });
    for (let i = 0; i < 2; i++) {
      const expected = operator.forward(clean.subarray(i * 64, (i + 1) * 64));
      const measured = operator.forward((restored.data as Float32Array).subarray(i * 64, (i + 1) * 64));
      for (let k = 0; k < expected.length; k++) {
        expect(Math.abs(measured[k] - expected[k])).toBeLessThan(1e-4);
      }
    }
    const summary = JSON.parse(await readFile(path.join(dir, 'restored.json'), 'utf8'));
    expect(summary.measurementSize).toBe(16);
    expect(summary.status).toHaveLength(2);
    expect(output.join('\n')).toMatch(/super-resolution \(factor 2\): PSNR -?[\d.]+ dB restored, -?[\d.]+ dB from the measurement alone/);
  });

  test('rejects input without images', async () => {
    const input = path.join(dir, 'empty.npy');
    await writeNpy(input, { dtype: 'float32', shape: [0, 8, 8], data: new Float32Array(0) });
    await expect(gahb('inverse', '--model', dir, '--task', 'inpaint', '--input', input, '--out', path.join(dir, 'y.npy'))).rejects.toThrow(
      `"${input}" has shape [0, 8, 8], which contains no pixels`,
    );
  });

  test('rejects unknown task', async () => {
    const errorSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(gahb('inverse', '--model', dir, '--task', 'deblur', '--input', 'x.npy', '--out', 'y.npy')).rejects.toThrow(
      /"deblur" is invalid: use one of inpaint, random-pixels, super-resolution, random-basis, spectral/,
    );
    errorSpy.mockRestore();
  });
});
