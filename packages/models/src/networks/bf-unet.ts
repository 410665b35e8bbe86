/**
 * The bias-free UNet of Kadkhodaie et al. (ICLR 2024, App. A.1 and Table 1; layer list of the authors'
 * `UNet` in code/network.py). With B blocks and K channels:
 * - encoder block b (K·2^b channels): block 0 is Conv → ReLU then [Conv → BF-BN → ReLU] × (encoderConvs − 1);
 *   blocks b ≥ 1 are [Conv → BF-BN → ReLU] × encoderConvs. Each block's output is kept as a skip tensor and
 *   average-pooled (window p).
 * - middle block (K·2^B channels): [Conv → BF-BN → ReLU] × midConvs.
 * - decoder block b = B−1 … 0: upsample by a p×p stride-p transposed convolution (K·2^(b+1) → K·2^b),
 *   concatenate [upsampled, skip_b], then [Conv → BF-BN → ReLU] × decoderConvs, except that block 0's last
 *   layer is a plain Conv to the image channels (the predicted noise).
 * No layer has an additive term. Layer indices in the names follow the authors' nn.Sequential numbering.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { architectureRegistry, type ArchitectureEntry, type StateDict } from './architecture-registry';
import { BiasFreeNetwork, type LayerOps, type ParameterSpec } from './bias-free-network';
import { integerOption, resolveConfig, type ArchitectureConfig, type ConfigSchema } from './config-schema';
import { importStateDict } from './pytorch-mapping';

export const bfUnetSchema: ConfigSchema = {
  blocks: { type: 'integer', default: 3, min: 1, max: 6, description: 'Encoder (and decoder) blocks; each halves the resolution.' },
  channels: { type: 'integer', default: 64, min: 1, max: 1024, description: 'Channels of the first block, doubled per block.' },
  encoderConvs: { type: 'integer', default: 2, min: 1, max: 8, description: 'Convolutions per encoder block.' },
  midConvs: { type: 'integer', default: 2, min: 1, max: 8, description: 'Convolutions in the middle block.' },
  decoderConvs: { type: 'integer', default: 2, min: 1, max: 8, description: 'Convolutions per decoder block.' },
  poolWindow: { type: 'integer', default: 2, min: 2, max: 4, description: 'Average-pooling window and upsampling factor, in pixels.' },
  kernelSize: { type: 'integer', default: 3, min: 1, max: 7, description: 'Convolution kernel side (odd), in pixels.' },
  imageChannels: { type: 'integer', default: 1, min: 1, max: 3, description: 'Image channels: 1 (grayscale) or 3 (RGB).' },
};

/** Resolved bf-unet options. */
interface UnetShape {
  blocks: number;
  channels: number;
  encoderConvs: number;
  midConvs: number;
  decoderConvs: number;
  poolWindow: number;
  kernelSize: number;
  imageChannels: number;
}

function unetShape(config: ArchitectureConfig): UnetShape {
  const shape = {
    blocks: integerOption(config, 'blocks'),
    channels: integerOption(config, 'channels'),
    encoderConvs: integerOption(config, 'encoderConvs'),
    midConvs: integerOption(config, 'midConvs'),
    decoderConvs: integerOption(config, 'decoderConvs'),
    poolWindow: integerOption(config, 'poolWindow'),
    kernelSize: integerOption(config, 'kernelSize'),
    imageChannels: integerOption(config, 'imageChannels'),
  };
  if (shape.kernelSize % 2 === 0) {
    throw new Error(`bf-unet: option kernelSize = ${shape.kernelSize} is invalid: use an odd size so 'same' padding is symmetric.`);
  }
  return shape;
}

/** One layer of a block, in nn.Sequential order: a convolution (with its in/out channels) or a batch norm. */
type UnetLayer = { kind: 'conv'; index: number; in: number; out: number } | { kind: 'bn'; index: number; channels: number };

/** Layers of a block of `convs` convolutions; ReLU positions take an index but hold no tensor. */
function blockLayers(convs: number, inChannels: number, outChannels: number, firstWithoutBn: boolean, lastOutChannels?: number): UnetLayer[] {
  const layers: UnetLayer[] = [];
  let index = 0;
  let channels = inChannels;
  for (let conv = 0; conv < convs; conv++) {
    const isLast = conv === convs - 1;
    if (isLast && lastOutChannels !== undefined) {
      layers.push({ kind: 'conv', index, in: channels, out: lastOutChannels });
      return layers;
    }
    layers.push({ kind: 'conv', index: index++, in: channels, out: outChannels });
    if (!(conv === 0 && firstWithoutBn)) {
      layers.push({ kind: 'bn', index: index++, channels: outChannels });
    }
    index++; // ReLU
    channels = outChannels;
  }
  return layers;
}

/** Lists every block of the UNet with its state-dict prefix. */
function unetBlocks(shape: UnetShape): Array<{ prefix: string; layers: UnetLayer[] }> {
  const { blocks, channels: k } = shape;
  const result: Array<{ prefix: string; layers: UnetLayer[] }> = [];
  for (let b = 0; b < blocks; b++) {
    const inChannels = b === 0 ? shape.imageChannels : k * 2 ** (b - 1);
    result.push({ prefix: `encoder.${b}`, layers: blockLayers(shape.encoderConvs, inChannels, k * 2 ** b, b === 0) });
  }
  result.push({ prefix: 'mid_block', layers: blockLayers(shape.midConvs, k * 2 ** (blocks - 1), k * 2 ** blocks, false) });
  for (let b = blocks - 1; b >= 0; b--) {
    const last = b === 0 ? shape.imageChannels : undefined;
    result.push({ prefix: `decoder.${b}`, layers: blockLayers(shape.decoderConvs, k * 2 ** (b + 1), k * 2 ** b, false, last) });
  }
  return result;
}

/** Tensor names, shapes and kinds of a bf-unet in gahb's layouts. */
export function bfUnetSpecs(config: ArchitectureConfig): ParameterSpec[] {
  const shape = unetShape(config);
  const specs: ParameterSpec[] = [];
  const blocks = unetBlocks(shape);
  for (const block of blocks) {
    for (const layer of block.layers) {
      if (layer.kind === 'conv') {
        specs.push({ name: `${block.prefix}.${layer.index}.weight`, shape: [shape.kernelSize, shape.kernelSize, layer.in, layer.out], kind: 'conv' });
      } else {
        specs.push({ name: `${block.prefix}.${layer.index}.gammas`, shape: [layer.channels], kind: 'gain' });
        specs.push({ name: `${block.prefix}.${layer.index}.running_sd`, shape: [layer.channels], kind: 'running-sd' });
      }
    }
  }
  for (let b = shape.blocks - 1; b >= 0; b--) {
    const p = shape.poolWindow;
    specs.push({ name: `upsample.${b}.weight`, shape: [p, p, shape.channels * 2 ** b, shape.channels * 2 ** (b + 1)], kind: 'conv-transpose' });
  }
  return specs;
}

/**
 * Runs the layers of one block. A list `x` is the channel concatenation of its tensors, which the block's
 * first layer (a convolution) takes without building it.
 */
function runBlock(ops: LayerOps, prefix: string, layers: UnetLayer[], x: tf.Tensor4D | tf.Tensor4D[], reluAfterLast: boolean): tf.Tensor4D {
  let h = x;
  layers.forEach((layer, position) => {
    if (layer.kind === 'conv') {
      const name = `${prefix}.${layer.index}.weight`;
      h = Array.isArray(h) ? ops.convConcat(name, h) : ops.conv(name, h);
    } else {
      h = ops.batchNorm(`${prefix}.${layer.index}`, h as tf.Tensor4D);
    }
    const next = layers[position + 1];
    const endsLayer = next === undefined || next.kind === 'conv';
    if (endsLayer && (next !== undefined || reluAfterLast)) {
      h = ops.relu(h as tf.Tensor4D);
    }
  });
  return h as tf.Tensor4D;
}

function createBfUnet(config: ArchitectureConfig, seed: number): BiasFreeNetwork {
  const shape = unetShape(config);
  const blocks = unetBlocks(shape);
  const minimumSide = shape.poolWindow ** shape.blocks;

  const forward = (y: tf.Tensor4D, ops: LayerOps): tf.Tensor4D => {
    const [height, width] = ops.featureSize(y);
    if (height % minimumSide !== 0 || width % minimumSide !== 0) {
      throw new Error(
        `bf-unet: ${height}x${width} images are invalid for ${shape.blocks} blocks with pooling window ${shape.poolWindow}: ` +
          `use a height and width divisible by ${minimumSide}.`,
      );
    }

    // Encoder: keep each block's output as a skip tensor, then pool.
    const skips: tf.Tensor4D[] = [];
    let h = y;
    for (let b = 0; b < shape.blocks; b++) {
      h = runBlock(ops, blocks[b].prefix, blocks[b].layers, h, true);
      skips.push(h);
      h = ops.avgPool(h, shape.poolWindow);
    }

    h = runBlock(ops, 'mid_block', blocks[shape.blocks].layers, h, true);

    // Decoder: upsample, concatenate [upsampled, skip], convolve; block 0 ends with the linear output conv.
    // The first convolution takes the pair as a list (LayerOps.convConcat), so the concatenation is never built.
    for (let b = shape.blocks - 1; b >= 0; b--) {
      const upsampled = ops.upsample(`upsample.${b}.weight`, h);
      const block = blocks[shape.blocks + shape.blocks - b];
      h = runBlock(ops, block.prefix, block.layers, [upsampled, skips[b]], b !== 0);
    }
    return h;
  };

  return new BiasFreeNetwork('bf-unet', config, bfUnetSpecs(config), forward, seed, shape.imageChannels, { windowed: true });
}

/** Infers a bf-unet configuration from the shapes of an authors' UNet state dict. */
function inferBfUnetConfig(stateDict: StateDict, overrides: Record<string, unknown>): ArchitectureConfig {
  const blocks = countIndices(stateDict, /^encoder\.(\d+)\./);
  const first = stateDict.get('encoder.0.0.weight');
  const upsample = stateDict.get('upsample.0.weight');
  if (blocks === 0 || first === undefined || upsample === undefined) {
    throw new Error('bf-unet import: the state dict has no encoder.0.0.weight or upsample.0.weight; is it a UNet state dict?');
  }
  const convsIn = (prefix: string) => [...stateDict.keys()].filter((key) => key.startsWith(`${prefix}.`) && key.endsWith('.weight')).length;
  const inferred: Record<string, unknown> = {
    blocks,
    channels: first.shape[0],
    imageChannels: first.shape[1],
    kernelSize: first.shape[2],
    encoderConvs: convsIn('encoder.0'),
    midConvs: convsIn('mid_block'),
    decoderConvs: convsIn('decoder.0'),
    poolWindow: upsample.shape[2],
  };
  return resolveConfig('bf-unet', bfUnetSchema, { ...inferred, ...overrides });
}

/** Number of distinct values of the first capture group of `pattern` over the keys. */
export function countIndices(stateDict: StateDict, pattern: RegExp): number {
  const indices = new Set<string>();
  for (const key of stateDict.keys()) {
    const match = pattern.exec(key);
    if (match !== null) {
      indices.add(match[1]);
    }
  }
  return indices.size;
}

export const bfUnetArchitecture: ArchitectureEntry = {
  name: 'bf-unet',
  description: 'Bias-free UNet (Kadkhodaie et al., ICLR 2024): average pooling, transposed-convolution upsampling, skip concatenation.',
  configSchema: bfUnetSchema,
  create: createBfUnet,
  importPytorch(stateDict, overrides = {}) {
    const config = inferBfUnetConfig(stateDict, overrides);
    return { config, weights: importStateDict('bf-unet', bfUnetSpecs(config), stateDict) };
  },
};

architectureRegistry.register('bf-unet', bfUnetArchitecture);
