/**
 * The registry of network architectures. `@gahb/models` registers `bf-unet` and `bf-cnn` when imported; a
 * third-party package registers its own entry the same way, and the CLI resolves `--arch` through it.
 */
import { Registry } from '@gahb/core';

import type { BiasFreeNetwork, WeightMap } from './bias-free-network';
import type { ArchitectureConfig, ConfigSchema } from './config-schema';

/** A PyTorch state dict after reading: tensor values by key, shapes in PyTorch's order. */
export type StateDict = Map<string, { shape: number[]; data: Float32Array }>;

/** One architecture: its options and how to build it (and, optionally, import the authors' weights). */
export interface ArchitectureEntry {
  name: string;
  description: string;
  /** Options with defaults, ranges and descriptions. */
  configSchema: ConfigSchema;
  /** Builds a network from a resolved configuration, initialising its weights from `seed`. */
  create(config: ArchitectureConfig, seed: number): BiasFreeNetwork;
  /**
   * Maps a PyTorch state dict (keys without the `module.` prefix) onto this architecture: infers the
   * configuration from the tensor shapes (options that shapes cannot show come from `overrides` or the
   * defaults) and returns the weights in gahb's names and layouts.
   */
  importPytorch?(stateDict: StateDict, overrides?: Record<string, unknown>): { config: ArchitectureConfig; weights: WeightMap };
}

export const architectureRegistry = new Registry<ArchitectureEntry>('architecture');
