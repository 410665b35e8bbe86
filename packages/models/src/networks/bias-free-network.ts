/**
 * A bias-free convolutional network (Mohan et al., "Robust and interpretable blind image denoising via
 * bias-free convolutional neural networks", ICLR 2020): convolutions without additive terms, ReLU and
 * bias-free batch norm, so that in evaluation mode f(αy) = αf(y) for α > 0. The network predicts the noise
 * of its input; its Denoiser is y − f(y).
 *
 * Parameters carry the PyTorch state-dict names of the authors' networks, in TensorFlow.js layouts:
 * convolution weights [kh, kw, in, out], transposed-convolution (upsampling) weights [kh, kw, out, in],
 * batch-norm `gammas` and `running_sd` [channels].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser } from '@gahb/backend';
import { RandomStream } from '@gahb/core';

import type { ArchitectureConfig } from './config-schema';

/** What a parameter is, which decides its initialisation and whether the optimizer trains it. */
export type ParameterKind = 'conv' | 'conv-transpose' | 'gain' | 'running-sd';

/** Name, shape and kind of one tensor of a network. */
export interface ParameterSpec {
  name: string;
  shape: number[];
  kind: ParameterKind;
}

/** A tensor's values by name, as getWeights/setWeights and checkpoints exchange them. */
export type WeightMap = Map<string, { shape: number[]; data: Float32Array }>;

/** Options of {@link BiasFreeNetwork.apply}. */
export interface ApplyOptions {
  /**
   * Training mode: batch norms divide by the batch's standard deviation and update their running standard
   * deviation (momentum 0.1). Evaluation mode (false) divides by the running standard deviation.
   */
  training: boolean;
}

/** Batch-norm ε added to the batch variance, as in the study's BF_batchNorm. */
export const batchNormEpsilon = 1e-5;
/** Weight of the new batch standard deviation in the running average. */
export const batchNormMomentum = 0.1;
/** Standard deviation of the initial batch-norm gains, 2/(9·64) (the study's value, not its square root). */
export const gainInitStd = 2 / (9 * 64);
/** Initial gains are clamped to ±this value. */
export const gainInitClamp = 0.025;

/** The layer operations an architecture's forward pass is written with. */
export interface LayerOps {
  /** 'same'-padded stride-1 convolution with weight `name` ([kh, kw, in, out]). */
  conv(name: string, x: tf.Tensor4D): tf.Tensor4D;
  /** Bias-free batch norm with parameters `${prefix}.gammas` and `${prefix}.running_sd`. */
  batchNorm(prefix: string, x: tf.Tensor4D): tf.Tensor4D;
  /** Transposed convolution with kernel = stride = window, weight `name` ([window, window, out, in]). */
  upsample(name: string, x: tf.Tensor4D): tf.Tensor4D;
  /** Average pooling over non-overlapping window × window cells. */
  avgPool(x: tf.Tensor4D, window: number): tf.Tensor4D;
  relu(x: tf.Tensor4D): tf.Tensor4D;
  /** Concatenation along the channel axis. */
  concat(tensors: tf.Tensor4D[]): tf.Tensor4D;
}

/** Forward pass of an architecture: returns the predicted noise for `y` [n, height, width, channels]. */
export type ForwardFunction = (y: tf.Tensor4D, ops: LayerOps) => tf.Tensor4D;

export class BiasFreeNetwork {
  /** Trainable variables (convolution weights and gains) by state-dict name, in construction order. */
  readonly trainable = new Map<string, tf.Variable>();
  /** Running standard deviations of the batch norms (not trained by the optimizer). */
  readonly buffers = new Map<string, tf.Variable>();
  private readonly specs: ParameterSpec[];

  /**
   * Creates the variables of `specs`, initialised from `seed`: Kaiming normal (std √(2/fan_in), PyTorch's
   * fan_in: in·k² for a convolution and out·k² for a transposed one), gains N(0, (2/(9·64))²) clamped to
   * ±0.025, running standard deviations 1. Each tensor draws from its own stream, keyed by its name.
   */
  constructor(
    readonly architecture: string,
    readonly config: ArchitectureConfig,
    specs: ParameterSpec[],
    private readonly forward: ForwardFunction,
    seed: number,
    /** Image channels the network takes and returns. */
    readonly imageChannels: number,
  ) {
    this.specs = specs;
    for (const spec of specs) {
      const random = RandomStream.fromSeed(seed, 'network-init', spec.name);
      const values = initialValues(spec, random);
      // tf.variable names are global, so the state-dict name is kept in the maps only.
      const initial = tf.tensor(values, spec.shape, 'float32');
      const variable = tf.variable(initial, spec.kind !== 'running-sd');
      initial.dispose();
      if (spec.kind === 'running-sd') {
        this.buffers.set(spec.name, variable);
      } else {
        this.trainable.set(spec.name, variable);
      }
    }
  }

  /** Shapes and kinds of every tensor, trainable and buffers, in construction order. */
  get parameterSpecs(): readonly ParameterSpec[] {
    return this.specs;
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    let count = 0;
    for (const variable of this.trainable.values()) {
      count += variable.size;
    }
    return count;
  }

  /**
   * Returns the predicted noise f(y) for `y` [n, height, width, channels]. In training mode the batch norms
   * also update their running standard deviations (also when called under tf.grad).
   */
  apply(y: tf.Tensor4D, options: ApplyOptions): tf.Tensor4D {
    if (y.shape[3] !== this.imageChannels) {
      throw new Error(
        `${this.architecture}: input has ${y.shape[3]} channels but the network takes ${this.imageChannels}; ` +
          'pass images with that many channels or create the network with imageChannels set.',
      );
    }
    return tf.tidy(() => this.forward(y, this.layerOps(options.training)));
  }

  /** Returns the network as a Denoiser in evaluation mode: x̂(y) = y − f(y). Sigma is ignored (blind). */
  denoiser(name = this.architecture): Denoiser {
    return {
      name,
      denoise: (noisy: tf.Tensor4D) => tf.tidy(() => tf.sub(noisy, this.apply(noisy, { training: false }))),
    };
  }

  /** Returns a copy of every tensor (trainable and running standard deviations) by state-dict name. */
  getWeights(): WeightMap {
    const weights: WeightMap = new Map();
    for (const spec of this.specs) {
      const variable = this.variable(spec.name);
      weights.set(spec.name, { shape: [...variable.shape], data: Float32Array.from(variable.dataSync()) });
    }
    return weights;
  }

  /**
   * Replaces every tensor with the values in `weights`. A missing, extra or mis-shaped entry is an error
   * that lists all of them; nothing is assigned in that case.
   */
  setWeights(weights: WeightMap): void {
    const problems = describeWeightMismatch(this.specs, weights);
    if (problems.length > 0) {
      throw new Error(`${this.architecture}: weights do not match the network: ${problems.join('; ')}.`);
    }
    for (const spec of this.specs) {
      const entry = weights.get(spec.name) as { shape: number[]; data: Float32Array };
      const value = tf.tensor(entry.data, spec.shape, 'float32');
      this.variable(spec.name).assign(value);
      value.dispose();
    }
  }

  /** Releases every variable; the network cannot be used afterwards. */
  dispose(): void {
    for (const variable of [...this.trainable.values(), ...this.buffers.values()]) {
      variable.dispose();
    }
    this.trainable.clear();
    this.buffers.clear();
  }

  private variable(name: string): tf.Variable {
    const variable = this.trainable.get(name) ?? this.buffers.get(name);
    if (variable === undefined) {
      throw new Error(`${this.architecture}: the network has no tensor named "${name}".`);
    }
    return variable;
  }

  private layerOps(training: boolean): LayerOps {
    return {
      conv: (name, x) => tf.conv2d(x, this.variable(name) as tf.Tensor4D, 1, 'same'),
      batchNorm: (prefix, x) => this.batchNorm(prefix, x, training),
      upsample: (name, x) => upsample(x, this.variable(name) as tf.Tensor4D),
      avgPool: (x, window) => averagePool(x, window),
      relu: (x) => tf.relu(x),
      concat: (tensors) => tf.concat(tensors, 3),
    };
  }

  /**
   * Bias-free batch norm: x / sd_c · γ_c with no mean subtraction and no offset. Training mode uses the
   * batch's sd_c = √(biased variance over (n, h, w) + ε) and moves the running value 0.1 of the way to it.
   */
  private batchNorm(prefix: string, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const gains = this.variable(`${prefix}.gammas`);
    const runningSd = this.variable(`${prefix}.running_sd`);
    if (!training) {
      return tf.mul(tf.div(x, runningSd), gains);
    }

    const { variance } = tf.moments(x, [0, 1, 2]);
    const batchSd = tf.sqrt(tf.add(variance, batchNormEpsilon));
    // The running value only feeds evaluation mode, so no gradient flows through this update.
    const updated = tf.add(tf.mul(1 - batchNormMomentum, runningSd), tf.mul(batchNormMomentum, batchSd));
    runningSd.assign(updated);
    return tf.mul(tf.div(x, batchSd), gains);
  }
}

/**
 * Transposed convolution with kernel = stride = p as a 1x1 convolution to p·p·out channels followed by
 * depth-to-space: out[i·p + a, j·p + b, o] = Σ_c x[i, j, c] · w[a, b, o, c]. Equal to tf.conv2dTranspose (and
 * to PyTorch's ConvTranspose2d) for non-overlapping kernels. On the wasm backend the 1x1 convolution and its
 * gradients run on the fast convolution kernels. Measured for 16x8x8x512 to 1024 channels on 2 shared cores:
 * the gradient took 0.66 s this way and 4.7 s as a matrix product (bench load average 13).
 */
export function upsample(x: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
  const [n, height, width, inChannels] = x.shape;
  const [window, windowWidth, outChannels, weightIn] = weight.shape;
  if (window !== windowWidth || weightIn !== inChannels) {
    throw new Error(`upsample: weight [${weight.shape.join(', ')}] does not fit input [${x.shape.join(', ')}].`);
  }
  const filter = tf.reshape(tf.transpose(weight, [3, 0, 1, 2]), [1, 1, inChannels, window * window * outChannels]) as tf.Tensor4D;
  const products = tf.conv2d(x, filter, 1, 'valid');
  const cells = tf.reshape(products, [n, height, width, window, window, outChannels]);
  return tf.reshape(tf.transpose(cells, [0, 1, 3, 2, 4, 5]), [n, height * window, width * window, outChannels]);
}

/** Average pooling over non-overlapping p × p cells; height and width must be multiples of p. */
function averagePool(x: tf.Tensor4D, window: number): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  if (height % window !== 0 || width % window !== 0) {
    throw new Error(`avgPool: ${height}x${width} feature map is not divisible by the pooling window ${window}.`);
  }
  const cells = tf.reshape(x, [n, height / window, window, width / window, window, channels]);
  return tf.mean(cells, [2, 4]) as tf.Tensor4D;
}

/** Returns one line per missing, extra or mis-shaped entry of `weights` against `specs`. */
export function describeWeightMismatch(specs: readonly ParameterSpec[], weights: WeightMap): string[] {
  const problems: string[] = [];
  const expected = new Set(specs.map((spec) => spec.name));
  const missing = specs.filter((spec) => !weights.has(spec.name)).map((spec) => spec.name);
  const extra = [...weights.keys()].filter((name) => !expected.has(name));
  if (missing.length > 0) {
    problems.push(`missing ${missing.join(', ')}`);
  }
  if (extra.length > 0) {
    problems.push(`unexpected ${extra.join(', ')}`);
  }
  for (const spec of specs) {
    const entry = weights.get(spec.name);
    if (entry === undefined) {
      continue;
    }
    const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
    if (entry.shape.join(',') !== spec.shape.join(',') || entry.data.length !== size) {
      problems.push(`${spec.name} has shape [${entry.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
    }
  }
  return problems;
}

function initialValues(spec: ParameterSpec, random: RandomStream): Float32Array {
  const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
  const values = new Float32Array(size);
  switch (spec.kind) {
    case 'running-sd':
      return values.fill(1);
    case 'gain':
      random.fillNormal(values, 0, gainInitStd);
      return values.map((value) => Math.min(gainInitClamp, Math.max(-gainInitClamp, value)));
    case 'conv': {
      // [kh, kw, in, out]: fan_in = in·kh·kw.
      const [kh, kw, inChannels] = spec.shape;
      return random.fillNormal(values, 0, Math.sqrt(2 / (inChannels * kh * kw)));
    }
    case 'conv-transpose': {
      // [kh, kw, out, in]: PyTorch computes fan_in from the weight's dimension 1, the output channels.
      const [kh, kw, outChannels] = spec.shape;
      return random.fillNormal(values, 0, Math.sqrt(2 / (outChannels * kh * kw)));
    }
  }
}
