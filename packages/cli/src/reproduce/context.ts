/** Context of every step of `gahb reproduce`: the run directory, the preset and the command's options. */
import type { Logger } from './package-api';
import type { Preset } from './presets';
import type { RunDirectory } from './run-directory';

export interface ReproduceOptions {
  /** Source of the natural-image data set, resolved by @gahb/datasets' prepareDataset: 'patches:bundled' (default) or e.g. 'celeba:DIR'. */
  data: string;
  /** Training jobs run at the same time, each in its own child process when > 1. */
  jobs: number;
  /** TensorFlow.js backend passed to initBackend ('auto', 'wasm', 'cpu', ...). */
  backend: string;
}

export interface ReproduceContext {
  run: RunDirectory;
  preset: Preset;
  options: ReproduceOptions;
  logger?: Logger;
}

/** Contents of `DIR/config.json`: the resolved preset and options a run was started with. */
export interface RunConfig {
  preset: Preset;
  options: ReproduceOptions;
  createdAt: string;
  gahbVersion: string;
}
