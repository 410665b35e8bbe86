import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProgram } from '../main';
import { getPreset } from '../reproduce/presets';
import { reproduce } from '../reproduce/reproduce';

describe('gahb report', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gahb-report-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('rebuilds report of a smoke run', async () => {
    const result = await reproduce({ preset: 'smoke', out: path.join(root, 'run'), backend: 'wasm' });
    await writeFile(result.reportPath, 'stale');

    await createProgram().parseAsync(['node', 'gahb', 'report', '--run', result.run.root]);
    const html = await readFile(result.reportPath, 'utf8');

    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const manifest of result.summary.manifests) {
      expect(html).toContain(`id="step-${manifest.name}"`);
    }
  }, 120_000);

  test('config.json without a preset is rejected', async () => {
    const run = path.join(root, 'null-config');
    await mkdir(run);
    await writeFile(path.join(run, 'config.json'), 'null');
    await expect(createProgram().parseAsync(['node', 'gahb', 'report', '--run', run])).rejects.toThrow('is not a gahb run configuration');
  });

  test('step manifest without fields is rejected', async () => {
    const run = path.join(root, 'bad-step');
    await mkdir(path.join(run, 'steps'), { recursive: true });
    await writeFile(path.join(run, 'config.json'), JSON.stringify({ preset: getPreset('smoke'), options: {} }));
    await writeFile(path.join(run, 'steps', 'sampling.json'), '{"name":"sampling"}');
    await expect(createProgram().parseAsync(['node', 'gahb', 'report', '--run', run])).rejects.toThrow(
      `${path.join(run, 'steps', 'sampling.json')} is not a step manifest`,
    );
  });

  test('directory without config.json is rejected', async () => {
    await expect(createProgram().parseAsync(['node', 'gahb', 'report', '--run', root])).rejects.toThrow(
      `${root} has no config.json: pass the --out directory of a gahb reproduce run.`,
    );
  });
});
