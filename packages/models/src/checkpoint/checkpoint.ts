/**
 * Checkpoints: a directory with `model.json` (format version, architecture, configuration, training state,
 * data description, hyper-parameters, metrics summary) and `weights.safetensors` (network tensors under
 * their state-dict names in gahb's layouts, and the optimizer moments under `optimizer.m.*` / `optimizer.v.*`).
 * Both are written atomically, weights first and model.json last. The weights file also embeds the
 * manifest in its metadata, so a crash between the two writes leaves a loadable checkpoint.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Denoiser } from '@gahb/backend';
import { createLogger, writeFileAtomic, writeJsonAtomic } from '@gahb/core';

import { architectureRegistry } from '../networks/architecture-registry';
import '../networks/builtin-architectures';
import type { BiasFreeNetwork, WeightMap } from '../networks/bias-free-network';
import type { ArchitectureConfig } from '../networks/config-schema';
import { resolveConfig } from '../networks/config-schema';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

export const checkpointFormat = 'gahb-checkpoint';
export const checkpointFormatVersion = 1;
export const manifestFile = 'model.json';
export const weightsFile = 'weights.safetensors';
const optimizerPrefix = 'optimizer.';

/** The contents of model.json. */
export interface CheckpointManifest {
  format: typeof checkpointFormat;
  formatVersion: number;
  architecture: string;
  config: ArchitectureConfig;
  /** Tensor names in weights.safetensors: the network's and the optimizer's. */
  tensors: { network: string[]; optimizer: string[] };
  /** Training position; absent for imported or untrained networks. */
  training?: Record<string, unknown> & { epoch: number; step: number };
  /** Provenance of the training images (source, split, indices). */
  data?: Record<string, unknown>;
  hyperParameters?: Record<string, unknown>;
  /** Metrics of the last completed epoch. */
  metrics?: Record<string, unknown>;
  /** Other provenance, e.g. the imported PyTorch file. */
  source?: Record<string, unknown>;
  /** TensorFlow.js backend the weights were computed on. */
  backend?: string;
  savedAt: string;
}

/** Contents that {@link saveCheckpoint} writes besides the network. */
export type CheckpointContents = Omit<CheckpointManifest, 'format' | 'formatVersion' | 'architecture' | 'config' | 'tensors' | 'savedAt'> & {
  /** Optimizer moments, stored under their names (which start with "optimizer."). */
  optimizerState?: WeightMap;
};

/** A loaded checkpoint. */
export interface LoadedCheckpoint {
  network: BiasFreeNetwork;
  /** The network as a Denoiser (evaluation mode), named after the checkpoint directory. */
  denoiser: Denoiser;
  config: ArchitectureConfig;
  /** The manifest (model.json, or the copy in the weights file when model.json is older). */
  state: CheckpointManifest;
  /** Optimizer moments (empty when the checkpoint has none). */
  optimizerState: WeightMap;
}

/** Writes `network` and `contents` to checkpoint directory `dir` (created if needed): weights first, then model.json. */
export async function saveCheckpoint(dir: string, network: BiasFreeNetwork, contents: CheckpointContents): Promise<CheckpointManifest> {
  const { optimizerState, ...rest } = contents;
  const networkWeights = network.getWeights();
  const tensors: WeightMap = new Map(networkWeights);
  for (const [name, entry] of optimizerState ?? new Map()) {
    if (!name.startsWith(optimizerPrefix)) {
      throw new Error(`saveCheckpoint: optimizer tensor ${name} must start with "${optimizerPrefix}".`);
    }
    tensors.set(name, entry);
  }

  const manifest: CheckpointManifest = {
    format: checkpointFormat,
    formatVersion: checkpointFormatVersion,
    architecture: network.architecture,
    config: network.config,
    tensors: { network: [...networkWeights.keys()], optimizer: [...(optimizerState ?? new Map()).keys()] },
    ...rest,
    savedAt: new Date().toISOString(),
  };

  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, weightsFile), encodeSafetensors(tensors, { format: checkpointFormat, 'gahb.manifest': JSON.stringify(manifest) }));
  await writeJsonAtomic(path.join(dir, manifestFile), manifest);
  return manifest;
}

/**
 * Loads the checkpoint in `dir`: rebuilds the network of its architecture and configuration and sets its
 * weights. When model.json and the weights disagree on the training step (a crash between the two
 * writes), the manifest embedded in the weights file is used.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const manifestPath = path.join(dir, manifestFile);
  const weightsPath = path.join(dir, weightsFile);

  let manifestText: string;
  let weightsBytes: Uint8Array;
  try {
    [manifestText, weightsBytes] = await Promise.all([readFile(manifestPath, 'utf8'), readFile(weightsPath)]);
  } catch (error) {
    if (!existsSync(dir)) {
      throw new Error(`Checkpoint folder ${dir} was not found: pass a folder written by gahb train or gahb import-pytorch.`, { cause: error });
    }
    throw new Error(`Checkpoint ${dir} is incomplete: ${(error as Error).message}. A checkpoint contains ${manifestFile} and ${weightsFile}.`);
  }
  let manifest = parseManifest(manifestText, manifestPath);
  const { tensors, metadata } = decodeSafetensors(weightsBytes, weightsPath);

  const embedded = metadata['gahb.manifest'];
  if (embedded !== undefined) {
    const weightsManifest = parseManifest(embedded, `${weightsPath} metadata`);
    if (weightsManifest.training?.step !== manifest.training?.step) {
      createLogger('checkpoint').warn(
        { dir, manifestStep: manifest.training?.step, weightsStep: weightsManifest.training?.step },
        `${manifestFile} is older than ${weightsFile}; using the state stored with the weights`,
      );
      manifest = weightsManifest;
    }
  }

  const entry = architectureRegistry.get(manifest.architecture);
  const config = resolveConfig(manifest.architecture, entry.configSchema, manifest.config);
  const network = entry.create(config, 0);
  const networkWeights: WeightMap = new Map();
  const optimizerState: WeightMap = new Map();
  for (const [name, tensor] of tensors) {
    (name.startsWith(optimizerPrefix) ? optimizerState : networkWeights).set(name, tensor);
  }
  network.setWeights(networkWeights);

  return { network, denoiser: network.denoiser(`${manifest.architecture} (${path.basename(path.resolve(dir))})`), config, state: manifest, optimizerState };
}

function parseManifest(text: string, source: string): CheckpointManifest {
  let value: CheckpointManifest;
  try {
    value = JSON.parse(text) as CheckpointManifest;
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (value.format !== checkpointFormat) {
    throw new Error(`${source} is not a gahb checkpoint (format "${String(value.format)}", expected "${checkpointFormat}").`);
  }
  if (value.formatVersion > checkpointFormatVersion) {
    throw new Error(`${source} has format version ${value.formatVersion}; this gahb reads up to ${checkpointFormatVersion}. Upgrade @gahb/models.`);
  }
  return value;
}
