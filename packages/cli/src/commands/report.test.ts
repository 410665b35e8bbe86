import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProgram } from '../main';
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

  test('directory without config.json is rejected', async () => {
    await expect(createProgram().parseAsync(['node', 'gahb', 'report', '--run', root])).rejects.toThrow(
      `${root} has no config.json: pass the --out directory of a gahb reproduce run.`,
    );
  });
});
