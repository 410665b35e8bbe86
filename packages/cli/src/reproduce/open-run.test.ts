import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProgram } from '../main';
import { openRun } from './reproduce';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-open-run-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openRun', () => {
  test('unknown data scheme is rejected before the run starts', async () => {
    const out = path.join(dir, 'run');
    await expect(openRun({ preset: 'smoke', data: 'nosuch:x', out })).rejects.toThrow('--data nosuch:x is invalid: unknown data source "nosuch"');
    expect(existsSync(out)).toBe(false);
  });

  test('unknown backend is rejected before the run starts', async () => {
    const out = path.join(dir, 'run');
    await expect(openRun({ preset: 'smoke', backend: 'webgpu', out })).rejects.toThrow('--backend webgpu is invalid');
    expect(existsSync(out)).toBe(false);
  });

  test('output path that is a file is rejected', async () => {
    const out = path.join(dir, 'file.txt');
    await writeFile(out, 'not a run');
    await expect(openRun({ preset: 'smoke', out })).rejects.toThrow('is a file, not a folder');
  });
});

describe('gahb reproduce --resume', () => {
  test('folder without a run is rejected', async () => {
    const out = path.join(dir, 'typo');
    await expect(createProgram().parseAsync(['node', 'gahb', 'reproduce', '--resume', '--out', out])).rejects.toThrow(
      `--resume: ${out} contains no run (config.json not found)`,
    );
    expect(existsSync(out)).toBe(false);
  });
});
