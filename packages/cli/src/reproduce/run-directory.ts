/**
 * The run directory of `gahb reproduce`: where each step's outputs, its completion manifest
 * (`steps/NAME.json`), the resolved configuration (`config.json`) and the collected numbers
 * (`metrics.json`) live. Every file is written atomically (temp file, then rename), so a crash leaves
 * either the old file or the new one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunConfig } from './context';
import { requireExport, type CoreApi, type NpyArray } from './package-api';

/** A figure of a step: a file under the run directory and the caption the report prints under it. */
export interface FigureRecord {
  /** Path relative to the run directory, e.g. "figures/generalization-psnr.svg". */
  path: string;
  /** Caption: the figure's content and the numbers behind it. */
  caption: string;
}

/** Completion manifest of one step, written last (after all its outputs) to `steps/NAME.json`. */
export interface StepManifest {
  name: string;
  title: string;
  status: 'completed' | 'failed' | 'unavailable' | 'blocked';
  /** Output files relative to the run directory. */
  outputs: string[];
  metrics: Record<string, unknown>;
  figures: FigureRecord[];
  /** Short text for the report: what the step found, or why it did not run. */
  summary: string;
  startedAt: string;
  finishedAt: string;
  /** Wall-clock seconds the step took. */
  seconds: number;
}


export class RunDirectory {
  /** @param root Absolute or relative path of the run directory. */
  constructor(readonly root: string) {}

  /** Absolute path of `relativePath` under the run directory. */
  resolve(...relativePath: string[]): string {
    return path.resolve(this.root, ...relativePath);
  }

  /** Creates the run directory and its standard sub-folders. */
  async create(): Promise<void> {
    for (const folder of ['steps', 'data', 'checkpoints', 'figures', 'samples', 'report']) {
      await mkdir(this.resolve(folder), { recursive: true });
    }
  }

  /** Writes `data` to `relativePath` atomically, creating parent folders. */
  async writeFile(relativePath: string, data: string | Uint8Array): Promise<void> {
    const writeFileAtomic = requireExport<CoreApi['writeFileAtomic']>('run-directory', '@gahb/core', 'writeFileAtomic');
    const target = this.resolve(relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, data);
  }

  /** Writes `value` as JSON to `relativePath` atomically, creating parent folders. */
  async writeJson(relativePath: string, value: unknown): Promise<void> {
    const writeJsonAtomic = requireExport<CoreApi['writeJsonAtomic']>('run-directory', '@gahb/core', 'writeJsonAtomic');
    const target = this.resolve(relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeJsonAtomic(target, value);
  }

  /** Writes `array` as a `.npy` file to `relativePath` atomically, creating parent folders. */
  async writeNpy(relativePath: string, array: NpyArray): Promise<void> {
    const writeNpy = requireExport<CoreApi['writeNpy']>('run-directory', '@gahb/core', 'writeNpy');
    const target = this.resolve(relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeNpy(target, array);
  }

  /** Returns the parsed JSON at `relativePath`, or undefined when the file does not exist. */
  async readJson<T>(relativePath: string): Promise<T | undefined> {
    const target = this.resolve(relativePath);
    if (!existsSync(target)) {
      return undefined;
    }
    try {
      return JSON.parse(await readFile(target, 'utf8')) as T;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${target} is not valid JSON (${reason}): delete it and rerun with --resume to rewrite it.`);
    }
  }

  exists(relativePath: string): boolean {
    return existsSync(this.resolve(relativePath));
  }

  /** Path of the completion manifest of step `name`, relative to the run directory. */
  stepManifestPath(name: string): string {
    return path.join('steps', `${name}.json`);
  }

  async readStepManifest(name: string): Promise<StepManifest | undefined> {
    return this.readCheckedStepManifest(this.stepManifestPath(name));
  }

  /** Reads the manifest at `relativePath`; one without a name, a known status or a start time is an error. */
  private async readCheckedStepManifest(relativePath: string): Promise<StepManifest | undefined> {
    const manifest = await this.readJson<Partial<StepManifest> | null>(relativePath);
    if (manifest === undefined) {
      return undefined;
    }
    const statuses: unknown[] = ['completed', 'failed', 'unavailable', 'blocked'];
    if (
      manifest === null ||
      typeof manifest !== 'object' ||
      typeof manifest.name !== 'string' ||
      !statuses.includes(manifest.status) ||
      typeof manifest.startedAt !== 'string'
    ) {
      throw new Error(`${this.resolve(relativePath)} is not a step manifest (name, status, startedAt): delete it and rerun with --resume to rewrite it.`);
    }
    return { outputs: [], metrics: {}, figures: [], summary: '', finishedAt: manifest.startedAt, seconds: 0, title: manifest.name, ...manifest } as StepManifest;
  }

  /** Returns config.json, or undefined when it does not exist; a file without a preset and options is an error. */
  async readRunConfig(): Promise<RunConfig | undefined> {
    const config = await this.readJson<Partial<RunConfig> | null>('config.json');
    if (config === undefined) {
      return undefined;
    }
    if (
      config === null ||
      typeof config !== 'object' ||
      typeof config.preset?.name !== 'string' ||
      typeof config.options !== 'object' ||
      config.options === null
    ) {
      throw new Error(`${this.resolve('config.json')} is not a gahb run configuration (preset, options): restore it, or start a new run in another --out.`);
    }
    return config as RunConfig;
  }

  async writeStepManifest(manifest: StepManifest): Promise<void> {
    await this.writeJson(this.stepManifestPath(manifest.name), manifest);
  }

  /** Returns the manifests of every step recorded in `steps/`, sorted by start time. */
  async readAllStepManifests(): Promise<StepManifest[]> {
    const folder = this.resolve('steps');
    if (!existsSync(folder)) {
      return [];
    }
    const manifests: StepManifest[] = [];
    for (const file of (await readdir(folder)).sort()) {
      const manifest = file.endsWith('.json') ? await this.readCheckedStepManifest(path.join('steps', file)) : undefined;
      if (manifest !== undefined) {
        manifests.push(manifest);
      }
    }
    return manifests.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /**
   * Rewrites `metrics.json` from the step manifests: one entry per step with its status and numbers, so
   * the file always agrees with `steps/`.
   */
  async writeMetrics(): Promise<Record<string, unknown>> {
    const metrics: Record<string, unknown> = {};
    for (const manifest of await this.readAllStepManifests()) {
      metrics[manifest.name] = { status: manifest.status, seconds: manifest.seconds, ...manifest.metrics };
    }
    await this.writeJson('metrics.json', metrics);
    return metrics;
  }
}
