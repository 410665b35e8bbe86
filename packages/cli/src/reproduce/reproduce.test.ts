import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProgram } from '../main';
import { isDependencyAvailable } from './package-api';
import { getPreset } from './presets';
import { reproduceSteps as createReproduceSteps } from './reproduce';
import { RunDirectory, type StepManifest } from './run-directory';

/**
 * Runs `gahb reproduce --preset smoke` in-process. Every step must complete and write its outputs and
 * figures. When a package export is missing, the checks of unavailable and blocked steps name it.
 */
const reproduceSteps = createReproduceSteps(getPreset('smoke'));

describe('gahb reproduce --preset smoke', () => {
  let root: string;
  let run: RunDirectory;
  let firstError: unknown;
  let manifests: Map<string, StepManifest>;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gahb-reproduce-'));
    run = new RunDirectory(path.join(root, 'run'));
    try {
      await createProgram().parseAsync(['node', 'gahb', 'reproduce', '--preset', 'smoke', '--out', run.root, '--backend', 'wasm']);
    } catch (error) {
      firstError = error;
    }
    manifests = new Map((await run.readAllStepManifests()).map((manifest) => [manifest.name, manifest]));
  }, 240_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('config.json records the smoke preset', async () => {
    const config = await run.readJson<{ preset: { name: string }; options: { backend: string } }>('config.json');

    expect(config?.preset.name).toBe('smoke');
    expect(config?.options.backend).toBe('wasm');
  });

  test('every step has a manifest', () => {
    expect([...manifests.keys()].sort()).toEqual(reproduceSteps.map((step) => step.name).sort());
  });

  test('every step completed', () => {
    const incomplete = [...manifests.values()].filter((manifest) => manifest.status !== 'completed').map((manifest) => `${manifest.name}: ${manifest.summary}`);

    expect(incomplete).toEqual([]);
  });

  test('no step failed', () => {
    const failed = [...manifests.values()].filter((manifest) => manifest.status === 'failed').map((manifest) => `${manifest.name}: ${manifest.summary}`);

    expect(failed).toEqual([]);
  });

  test('unavailable steps name a function the build lacks', () => {
    for (const manifest of manifests.values()) {
      if (manifest.status !== 'unavailable') {
        continue;
      }
      const match = /needs (@gahb\/[a-z-]+)'s (.+), not available in this build/.exec(manifest.summary);
      expect(match).not.toBeNull();
      expect(`${manifest.name}: ${match![2]} available ${isDependencyAvailable(match![1], match![2])}`).toBe(`${manifest.name}: ${match![2]} available false`);
    }
  });

  test('blocked steps depend on an incomplete step', () => {
    for (const step of reproduceSteps) {
      if (manifests.get(step.name)?.status !== 'blocked') {
        continue;
      }
      const incompleteDependencies = (step.dependsOn ?? []).filter((dependency) => manifests.get(dependency)?.status !== 'completed');
      expect(incompleteDependencies.length).toBeGreaterThan(0);
    }
  });

  test('completed steps wrote their outputs and figures', () => {
    for (const manifest of manifests.values()) {
      if (manifest.status !== 'completed') {
        continue;
      }
      for (const output of manifest.outputs) {
        expect(`${manifest.name}: ${output} ${existsSync(run.resolve(output))}`).toBe(`${manifest.name}: ${output} true`);
      }
      for (const figure of manifest.figures) {
        expect(statSync(run.resolve(figure.path)).size).toBeGreaterThan(0);
        expect(figure.caption.length).toBeGreaterThan(20);
      }
    }
  });

  test('command rejects exactly when a step did not complete', () => {
    const incomplete = [...manifests.values()].filter((manifest) => manifest.status !== 'completed');

    if (incomplete.length === 0) {
      expect(firstError).toBeUndefined();
    } else {
      expect(String(firstError)).toContain(`${incomplete.length} step(s) did not complete`);
    }
  });

  test('sweep metrics are finite and in range', () => {
    const generalization = manifests.get('generalization')?.metrics as Record<string, { rows: Array<{ n: number; gap: number }> }>;
    const sampling = manifests.get('sampling')?.metrics as Record<string, { rows: Array<{ medianPaired: number; medianNearestS1: number; copyFraction: number }> }>;

    for (const key of ['c-alpha-2', 'photos']) {
      expect(generalization[key].rows.map((row) => row.n)).toEqual(key === 'photos' ? [4] : [1, 4]);
      for (const row of generalization[key].rows) {
        expect(Number.isFinite(row.gap)).toBe(true);
      }
      for (const row of sampling[key].rows) {
        expect(Math.abs(row.medianPaired)).toBeLessThanOrEqual(1 + 1e-6);
        expect(Math.abs(row.medianNearestS1)).toBeLessThanOrEqual(1 + 1e-6);
        expect(row.copyFraction).toBeGreaterThanOrEqual(0);
        expect(row.copyFraction).toBeLessThanOrEqual(1);
      }
    }
  });

  test('memorizer copies its training images', () => {
    const sampling = manifests.get('sampling')?.metrics as Record<string, { rows: Array<{ memorizer?: { copyFraction: number } }> }>;

    // The exact MMSE denoiser of a finite set samples its training images (similarity > 0.95).
    for (const row of sampling['c-alpha-2'].rows) {
      expect(row.memorizer?.copyFraction).toBe(1);
    }
  });

  test('metrics.json has an entry per step', async () => {
    const metrics = await run.readJson<Record<string, { status: string }>>('metrics.json');

    for (const step of reproduceSteps) {
      expect(metrics?.[step.name]?.status).toBe(manifests.get(step.name)?.status);
    }
  });

  test('report has a section per step and every figure', async () => {
    const html = await readFile(run.resolve('report', 'index.html'), 'utf8');

    for (const manifest of manifests.values()) {
      expect(html).toContain(`id="step-${manifest.name}"`);
      for (const figure of manifest.figures) {
        expect(html).toContain(`src="../${figure.path}"`);
      }
    }
  });

  test('resume skips the completed steps', async () => {
    const before = new Map([...manifests].map(([name, manifest]) => [name, manifest.finishedAt]));

    await createProgram()
      .parseAsync(['node', 'gahb', 'reproduce', '--resume', '--out', run.root])
      .catch(() => undefined);
    const after = await run.readAllStepManifests();

    for (const manifest of after) {
      if (manifests.get(manifest.name)?.status === 'completed') {
        expect(`${manifest.name} ${manifest.finishedAt}`).toBe(`${manifest.name} ${before.get(manifest.name)}`);
      }
    }
  }, 240_000);

  test('zero jobs are rejected', async () => {
    await expect(createProgram().parseAsync(['node', 'gahb', 'reproduce', '--jobs', '0', '--out', run.root])).rejects.toThrow('Use an integer ≥ 1.');
  });

  test('existing run without --resume is rejected', async () => {
    await expect(createProgram().parseAsync(['node', 'gahb', 'reproduce', '--preset', 'smoke', '--out', run.root])).rejects.toThrow(
      /already contains a run.*--resume/,
    );
  });

  test('failed data step names the new-run fix', async () => {
    const out = `${run.root}-missing-data`;
    const missing = `${run.root}-no-such-folder`;
    try {
      await expect(
        createProgram().parseAsync(['node', 'gahb', 'reproduce', '--preset', 'smoke', '--data', `folder:${missing}`, '--jobs', '1', '--backend', 'wasm', '--out', out]),
      ).rejects.toThrow(/data-photos \(failed\)[\s\S]*A run keeps its --data: to use another data source, start a new run with another --out\./);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 240_000);
});
