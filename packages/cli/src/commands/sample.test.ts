import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RandomStream, readNpy } from '@gahb/core';
import { createNetwork, saveCheckpoint } from '@gahb/models';
import { initBackend } from '@gahb/backend';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-sample-cli-'));
});

afterEach(finishCliTest);

/** Saves a bf-cnn checkpoint; with `identity` all weights are zero, so it predicts zero noise and x̂(y) = y. */
async function saveModel(name: string, identity: boolean): Promise<string> {
  const network = createNetwork('bf-cnn', { layers: 3, channels: 2 }, 1);
  if (identity) {
    const weights = network.getWeights();
    for (const [key, entry] of weights) {
      entry.data.fill(key.endsWith('running_sd') ? 1 : 0);
    }
    network.setWeights(weights);
  }
  const model = path.join(dir, name);
  await saveCheckpoint(model, network, {});
  network.dispose();
  return model;
}

describe('gahb sample', () => {
  test('identity models return the initial noise', async () => {
    // x̂(y) = y gives σ = 0 at step 0, so every sample is y₀ = 0.5 + σ₀·z with z from ('initial-noise', i).
    const first = await saveModel('first', true);
    const second = await saveModel('second', true);
    const out = path.join(dir, 'samples.npy');
    const grid = path.join(dir, 'samples.png');
    await gahb('sample', '--model', first, '--model', second, '--count', '3', '--seed', '7', '--size', '6x4', '--sigma0', '0.2', '--out', out, '--grid', grid, '--backend', 'wasm');

    const samples = await readNpy(out);
    expect(samples.shape).toEqual([2, 3, 6, 4, 1]);
    for (let model = 0; model < 2; model++) {
      for (let i = 0; i < 3; i++) {
        const z = RandomStream.fromSeed(7, 'initial-noise', i).fillNormal(new Float32Array(24));
        for (let k = 0; k < 24; k++) {
          expect(samples.data[(model * 3 + i) * 24 + k]).toBeCloseTo(0.5 + 0.2 * z[k], 6);
        }
      }
    }
    const summary = JSON.parse(await readFile(path.join(dir, 'samples.json'), 'utf8'));
    expect(summary.results[1].status).toEqual(['converged', 'converged', 'converged']);
    expect(summary.results[1].iterations).toEqual([0, 0, 0]);
    expect((await stat(grid)).size).toBeGreaterThan(0);
    expect(output.join('\n')).toMatch(/3\/3 converged, 0\.0 steps on average/);
    expect(output.join('\n')).toContain(`warning: 3 sample(s) of ${second} stopped before the first step`);
  });

  test('trajectory file holds recorded states', async () => {
    const model = await saveModel('random', false);
    const out = path.join(dir, 'samples.npy');
    const trajectory = path.join(dir, 'trajectory.npy');
    await gahb('sample', '--model', model, '--count', '2', '--size', '8', '--max-iterations', '4', '--out', out, '--trajectory', trajectory, '--trajectory-every', '2', '--backend', 'wasm');

    const samples = await readNpy(out);
    expect(samples.shape).toEqual([2, 8, 8, 1]);
    const summary = JSON.parse(await readFile(path.join(dir, 'samples.json'), 'utf8'));
    const steps: number[] = summary.results[0].iterations;
    const states = await readNpy(trajectory);
    // Snapshots at steps 0, 2, 4, … up to the longest run (at most 4 steps).
    expect(states.shape).toEqual([1, Math.floor(Math.max(...steps) / 2) + 1, 2, 8, 8, 1]);
  });

  test('rejects invalid size', async () => {
    const model = await saveModel('identity', true);
    const errorSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(gahb('sample', '--model', model, '--size', '8y8', '--out', path.join(dir, 'x.npy'))).rejects.toThrow(
      /"8y8" is invalid: use a size in pixels such as 32 or 80x64/,
    );
    errorSpy.mockRestore();
  });

  test('checks grid folder before sampling', async () => {
    const model = await saveModel('identity', true);
    const out = path.join(dir, 'x.npy');
    const grid = path.join(dir, 'missing', 'grid.png');
    await expect(gahb('sample', '--model', model, '--size', '8', '--out', out, '--grid', grid, '--backend', 'wasm')).rejects.toThrow(
      `--grid "${grid}": the folder "${path.join(dir, 'missing')}" does not exist`,
    );
    // The .npy used to be written before the grid failed, leaving a partial result.
    await expect(stat(out)).rejects.toThrow('ENOENT');
  });

  test('rejects out ending in json', async () => {
    // The JSON summary goes to the same path with .json, so it would replace the samples.
    const model = await saveModel('identity', true);
    const out = path.join(dir, 'samples.json');
    await expect(gahb('sample', '--model', model, '--size', '8', '--out', out, '--backend', 'wasm')).rejects.toThrow(
      `--out "${out}" ends in .json, the name of the JSON summary written next to it; use a .npy path.`,
    );
  });

  test('rejects invalid sampler option', async () => {
    const model = await saveModel('identity', true);
    await expect(gahb('sample', '--model', model, '--size', '8', '--beta', '2', '--out', path.join(dir, 'x.npy'), '--backend', 'wasm')).rejects.toThrow(
      /Sampler option beta 2 is invalid: use a value in \(0, 1\]/,
    );
  });
});
