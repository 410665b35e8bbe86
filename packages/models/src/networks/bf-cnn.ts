/**
 * The bias-free CNN (BF-CNN, a DnCNN without additive terms; Mohan et al., ICLR 2020, and Kadkhodaie et al.,
 * ICLR 2024, App. A.1; layer list of the authors' `BF_CNN` in code/network.py). With L layers and K channels:
 * Conv(c → K) [→ ReLU unless firstLayerLinear] → [Conv(K → K) → BF-BN → ReLU] × (L − 2) → Conv(K → c),
 * 'same' padding and no subsampling. The output is the predicted noise.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { architectureRegistry, type ArchitectureEntry, type StateDict } from './architecture-registry';
import { BiasFreeNetwork, type LayerOps, type ParameterSpec } from './bias-free-network';
import { countIndices } from './bf-unet';
import { booleanOption, integerOption, resolveConfig, type ArchitectureConfig, type ConfigSchema } from './config-schema';
import { importStateDict } from './pytorch-mapping';

export const bfCnnSchema: ConfigSchema = {
  // NOTE: the study's paper describes 21 layers with a linear first layer, but its training script puts a ReLU
  // after the first layer. These defaults follow the training script.
  layers: { type: 'integer', default: 21, min: 3, max: 64, description: 'Convolution layers, first and last included.' },
  channels: { type: 'integer', default: 64, min: 1, max: 1024, description: 'Channels of the hidden layers.' },
  firstLayerLinear: { type: 'boolean', default: false, description: 'Omit the ReLU after the first convolution.' },
  kernelSize: { type: 'integer', default: 3, min: 1, max: 7, description: 'Convolution kernel side (odd), in pixels.' },
  imageChannels: { type: 'integer', default: 1, min: 1, max: 3, description: 'Image channels: 1 (grayscale) or 3 (RGB).' },
};

/** Tensor names, shapes and kinds of a bf-cnn in gahb's layouts. */
export function bfCnnSpecs(config: ArchitectureConfig): ParameterSpec[] {
  const layers = integerOption(config, 'layers');
  const k = integerOption(config, 'channels');
  const size = integerOption(config, 'kernelSize');
  const c = integerOption(config, 'imageChannels');
  if (size % 2 === 0) {
    throw new Error(`bf-cnn: option kernelSize = ${size} is invalid: use an odd size so 'same' padding is symmetric.`);
  }

  const specs: ParameterSpec[] = [];
  for (let l = 0; l < layers; l++) {
    const inChannels = l === 0 ? c : k;
    const outChannels = l === layers - 1 ? c : k;
    specs.push({ name: `conv_layers.${l}.weight`, shape: [size, size, inChannels, outChannels], kind: 'conv' });
  }
  for (let l = 0; l < layers - 2; l++) {
    specs.push({ name: `BN_layers.${l}.gammas`, shape: [k], kind: 'gain' });
    specs.push({ name: `BN_layers.${l}.running_sd`, shape: [k], kind: 'running-sd' });
  }
  return specs;
}

function createBfCnn(config: ArchitectureConfig, seed: number): BiasFreeNetwork {
  const layers = integerOption(config, 'layers');
  const firstLayerLinear = booleanOption(config, 'firstLayerLinear');

  const forward = (y: tf.Tensor4D, ops: LayerOps): tf.Tensor4D => {
    let h = ops.conv('conv_layers.0.weight', y);
    if (!firstLayerLinear) {
      h = ops.relu(h);
    }
    for (let l = 1; l < layers - 1; l++) {
      h = ops.relu(ops.batchNorm(`BN_layers.${l - 1}`, ops.conv(`conv_layers.${l}.weight`, h)));
    }
    return ops.conv(`conv_layers.${layers - 1}.weight`, h);
  };

  return new BiasFreeNetwork('bf-cnn', config, bfCnnSpecs(config), forward, seed, integerOption(config, 'imageChannels'), { windowed: true });
}

/** Infers a bf-cnn configuration from an authors' BF_CNN state dict; firstLayerLinear comes from `overrides`. */
function inferBfCnnConfig(stateDict: StateDict, overrides: Record<string, unknown>): ArchitectureConfig {
  const first = stateDict.get('conv_layers.0.weight');
  if (first === undefined) {
    throw new Error('bf-cnn import: the state dict has no conv_layers.0.weight; is it a BF_CNN state dict?');
  }
  const inferred = {
    layers: countIndices(stateDict, /^conv_layers\.(\d+)\./),
    channels: first.shape[0],
    imageChannels: first.shape[1],
    kernelSize: first.shape[2],
  };
  return resolveConfig('bf-cnn', bfCnnSchema, { ...inferred, ...overrides });
}

export const bfCnnArchitecture: ArchitectureEntry = {
  name: 'bf-cnn',
  description: 'Bias-free CNN (BF-CNN): a DnCNN-style stack of 3x3 convolutions with bias-free batch norm, no subsampling.',
  configSchema: bfCnnSchema,
  create: createBfCnn,
  importPytorch(stateDict, overrides = {}) {
    const config = inferBfCnnConfig(stateDict, overrides);
    return { config, weights: importStateDict('bf-cnn', bfCnnSpecs(config), stateDict) };
  },
};

architectureRegistry.register('bf-cnn', bfCnnArchitecture);
