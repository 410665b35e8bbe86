/**
 * Blind denoiser training as in Kadkhodaie et al. (ICLR 2024, App. A.1; the authors' main.py and
 * trainer.py): each clean training image x gets its own noise level σ over [0, sigmaMax] (quadratic or
 * uniform), y = x + σz, the network predicts the noise σz, loss = summed squared error / batch size, Adam
 * with the learning rate halved every `lrHalvingEpochs` epochs, and the N training images repeated to a
 * fixed number of samples per epoch. Every epoch appends train/test loss and PSNR and the PSNR over a grid of
 * noise levels to `metrics.jsonl` and writes a checkpoint, so `resume` continues the same run bit for bit.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream, assertImageBatch, createLogger, startProgress, writeFileAtomic, type ImageBatch, type Logger } from '@gahb/core';
import { EpochSampler, makeNoisyBatch, resolveNoiseLevelOptions, type EpochSamplerState, type NoiseLevelDistribution } from '@gahb/datasets';

import { loadCheckpoint, manifestFile, saveCheckpoint } from '../checkpoint/checkpoint';
import { architectureRegistry } from '../networks/architecture-registry';
import '../networks/builtin-architectures';
import type { BiasFreeNetwork } from '../networks/bias-free-network';
import { resolveConfig } from '../networks/config-schema';
import { Adam, adamBeta1, adamBeta2, adamEpsilon } from './adam';
import { evaluateDenoiser, type EvaluationSet } from './evaluate';
import { meanPsnr, studyEvalSigmas } from './psnr';

/** Options of {@link trainDenoiser}. */
export interface TrainDenoiserOptions {
  /** Registered architecture name, e.g. 'bf-unet'. */
  architecture: string;
  /** Architecture options overriding its defaults (e.g. { blocks: 2, channels: 32 }). */
  config?: Record<string, unknown>;
  /** Clean training and test images, [n, height, width, channels] in [0, 1]. */
  data: { train: ImageBatch; test: ImageBatch };
  /** Provenance recorded in the checkpoint: data source, split (subset, indices or photo ids), etc. */
  dataInfo: Record<string, unknown>;
  /** Epochs to train (in total, counting epochs before a resume). */
  epochs: number;
  /** Noisy samples per epoch; default the study's N·⌊250 000 / N⌋ (the training images repeated). */
  samplesPerEpoch?: number;
  /** Images per optimizer step. */
  batchSize: number;
  /** Adam learning rate at epoch 0; default 1e-3. */
  learningRate?: number;
  /** The learning rate halves at the start of every this many epochs; default 100 (the study's lr_freq). */
  lrHalvingEpochs?: number;
  /** Noise levels per image: 'quadratic' (σ = sigmaMax·u², the study's default) or 'uniform', sigmaMax default 1. */
  noise?: { distribution?: NoiseLevelDistribution; sigmaMax?: number };
  /** Seed of weight initialisation, epoch order and noise. */
  seed: number;
  /** Directory of the checkpoint (model.json, weights.safetensors) and metrics.jsonl. */
  outDir: string;
  /** Continue from the checkpoint in outDir (a fresh run starts if there is none). */
  resume?: boolean;
  /** Noise levels (pixel units of [0, 1] images) of the per-epoch test PSNR curve; default σ₂₅₅ = logspace(0, 2.5, 10). */
  evalSigmas?: readonly number[];
  /** At most this many test images are evaluated per epoch; default 512 (the study's). */
  evalImages?: number;
  /** Stop after this many optimizer steps in total (the checkpoint is written there); for tests and benchmarks. */
  maxSteps?: number;
  /** Name of the run in progress log lines, e.g. "c-alpha-2-n100-s1"; default the architecture name. */
  label?: string;
  /** Called after each epoch's metrics and checkpoint are written. */
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  logger?: Logger;
}

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  /** Completed epochs (1 after the first). */
  epoch: number;
  /** Optimizer steps so far. */
  step: number;
  learningRate: number;
  /** Mean training loss (summed squared error / batch size) over the epoch's steps, in training mode. */
  trainLoss: number;
  /** Mean per-image PSNR (dB) of the denoised training batches during the epoch. */
  trainPsnr: number;
  /** Loss and PSNR on the test images with random noise levels drawn like training's, evaluation mode. */
  testLoss: number;
  testPsnr: number;
  /** Test PSNR (dB) at each evaluation noise level; inputPsnr = −20·log10 σ. */
  psnrBySigma: Array<{ sigma: number; sigma255: number; inputPsnr: number; outputPsnr: number }>;
  /** Wall-clock seconds of the epoch's training steps and their rate. */
  seconds: number;
  stepsPerSecond: number;
}

/** Result of {@link trainDenoiser}. */
export interface TrainResult {
  network: BiasFreeNetwork;
  /** Metrics of the epochs completed in this call. */
  metrics: EpochMetrics[];
  /** Completed epochs and optimizer steps in total. */
  epoch: number;
  step: number;
}

/** Sums over the current epoch's steps, kept in the checkpoint so a mid-epoch resume reports the same metrics. */
interface EpochAccumulator {
  lossSum: number;
  psnrSum: number;
  images: number;
  steps: number;
  seconds: number;
}

const metricsFile = 'metrics.jsonl';

/** Trains a denoiser; see the file header. Select the backend first (e.g. initBackend({ backend: 'wasm' })). */
export async function trainDenoiser(options: TrainDenoiserOptions): Promise<TrainResult> {
  const logger = options.logger ?? createLogger('train');
  const hyperParameters = resolveHyperParameters(options);
  const { train, test } = options.data;
  assertImageBatch(train, 'training images');
  assertImageBatch(test, 'test images');
  assertFiniteImages(train, 'training images');
  assertFiniteImages(test, 'test images');
  // The SHA-256 of the pixel values lets a resumed run check that it trains on the same images.
  const dataRecord = {
    ...options.dataInfo,
    trainShape: [...train.shape],
    testShape: [...test.shape],
    trainSha256: pixelDigest(train),
    testSha256: pixelDigest(test),
  };

  // 1. Start fresh, or restore network, optimizer, sampler and epoch sums from the checkpoint.
  const entry = architectureRegistry.get(options.architecture);
  const config = resolveConfig(options.architecture, entry.configSchema, options.config);
  const checkpointExists = existsSync(path.join(options.outDir, manifestFile));
  if (checkpointExists && options.resume !== true) {
    throw new Error(`${options.outDir} already contains a checkpoint; pass resume to continue it or choose another output directory.`);
  }

  await mkdir(options.outDir, { recursive: true });
  let network: BiasFreeNetwork;
  let adam: Adam;
  let sampler: EpochSampler;
  let accumulator: EpochAccumulator = { lossSum: 0, psnrSum: 0, images: 0, steps: 0, seconds: 0 };
  if (checkpointExists) {
    const checkpoint = await loadCheckpoint(options.outDir);
    assertSameRun(checkpoint.state as unknown as Record<string, unknown>, options.architecture, config, hyperParameters, dataRecord);
    const training = checkpoint.state.training as unknown as { step: number; sampler: EpochSamplerState; accumulator: EpochAccumulator };
    network = checkpoint.network;
    adam = new Adam(network.trainable);
    adam.setState(checkpoint.optimizerState, training.step);
    sampler = EpochSampler.fromState(training.sampler);
    accumulator = training.accumulator;
    await truncateMetrics(options.outDir, sampler.currentEpoch);
    logger.info({ dir: options.outDir, epoch: sampler.currentEpoch, step: training.step }, 'resuming training from checkpoint');
  } else {
    network = entry.create(config, options.seed);
    adam = new Adam(network.trainable);
    sampler = new EpochSampler({ imageCount: train.shape[0], batchSize: options.batchSize, seed: options.seed, samplesPerEpoch: options.samplesPerEpoch });
    // Lines left by an earlier run that stopped before its first checkpoint belong to no checkpoint.
    await truncateMetrics(options.outDir, 0);
  }
  hyperParameters.samplesPerEpoch = sampler.epochSize;

  // Test noise is drawn once per run from a seed derived from the run's seed, so every epoch evaluates the same noisy test images.
  const evaluationSeed = RandomStream.fromSeed(options.seed, 'evaluation-seed').nextUint32();
  const evaluation: EvaluationSet = {
    images: test,
    count: Math.min(test.shape[0], hyperParameters.evalImages),
    seed: evaluationSeed,
    noise: hyperParameters.noise,
    sigmas: hyperParameters.evalSigmas,
    batchSize: options.batchSize,
  };

  // 2. Train until `epochs` epochs or `maxSteps` steps, checkpointing after every epoch.
  const totalSteps = Math.min(options.epochs * sampler.batchesPerEpoch, options.maxSteps ?? Infinity);
  let step = adam.step;
  const progress = startProgress({ label: `train ${options.label ?? options.architecture}`, total: Math.max(0, totalSteps - step), unit: 'steps', logger });
  const metrics: EpochMetrics[] = [];
  const saveState = async (extra: Record<string, unknown> = {}) =>
    saveCheckpoint(options.outDir, network, {
      training: {
        epoch: sampler.currentEpoch,
        step,
        sampler: sampler.getState(),
        accumulator,
        optimizer: 'adam',
        // Every random draw is a function of the seed and a position, so these fields are the whole RNG state.
        rng: {
          seed: options.seed,
          trainingNoise: 'RandomStream.fromSeed(seed, "training-noise", step, batch position)',
          epochOrder: 'EpochSampler(seed) at the sampler position above',
          evaluationSeed,
        },
      },
      data: dataRecord,
      hyperParameters: hyperParameters as unknown as Record<string, unknown>,
      backend: tf.getBackend(),
      optimizerState: adam.getState(),
      ...extra,
    });

  while (sampler.currentEpoch < options.epochs && step < totalSteps) {
    const started = performance.now();
    const batch = sampler.nextBatch();
    const learningRate = hyperParameters.learningRate * 0.5 ** Math.floor(batch.epoch / hyperParameters.lrHalvingEpochs);

    // One step: y = x + σz, loss = Σ (f(y) − σz)² / batch size, Adam update.
    const noisyBatch = makeNoisyBatch(train, batch.indices, options.seed, batch.step, hyperParameters.noise);
    const { loss, mse } = trainStep(network, adam, noisyBatch.noisy, noisyBatch.noise, learningRate);
    step = adam.step;
    if (!Number.isFinite(loss)) {
      // Thrown before anything is saved, so the last checkpoint (end of the previous epoch) stays usable.
      throw new Error(
        `Training diverged: the loss of step ${step} (epoch ${batch.epoch + 1}) is ${loss} at learning rate ${learningRate}. ` +
          'The last checkpoint is kept; lower the learning rate or check the training images for NaN or infinite values.',
      );
    }

    accumulator.lossSum += loss;
    accumulator.psnrSum += meanPsnr(mse) * mse.length;
    accumulator.images += mse.length;
    accumulator.steps += 1;
    accumulator.seconds += (performance.now() - started) / 1000;
    progress.tick(1, { epoch: batch.epoch + 1, loss: Number(loss.toPrecision(4)) });

    // Give the event loop a turn so that signal handlers (Ctrl-C) and timers run during long epochs.
    await new Promise<void>((resolve) => setImmediate(resolve));

    if (sampler.currentEpoch === batch.epoch) {
      continue;
    }

    // 3. End of epoch: evaluate, write the metrics line and the checkpoint.
    const evaluated = evaluateDenoiser(network, evaluation);
    const epochMetrics: EpochMetrics = {
      epoch: sampler.currentEpoch,
      step,
      learningRate,
      trainLoss: accumulator.lossSum / accumulator.steps,
      trainPsnr: accumulator.psnrSum / accumulator.images,
      testLoss: evaluated.loss,
      testPsnr: evaluated.psnr,
      psnrBySigma: evaluated.psnrBySigma,
      seconds: accumulator.seconds,
      stepsPerSecond: accumulator.steps / accumulator.seconds,
    };
    accumulator = { lossSum: 0, psnrSum: 0, images: 0, steps: 0, seconds: 0 };
    await appendMetrics(options.outDir, epochMetrics);
    await saveState({ metrics: epochMetrics });
    metrics.push(epochMetrics);
    logger.info(
      { epoch: epochMetrics.epoch, trainPsnr: round(epochMetrics.trainPsnr), testPsnr: round(epochMetrics.testPsnr), stepsPerSecond: round(epochMetrics.stepsPerSecond) },
      `epoch ${epochMetrics.epoch}/${options.epochs} done`,
    );
    await options.onEpoch?.(epochMetrics);
  }

  // A run stopped by maxSteps in the middle of an epoch still leaves a checkpoint to resume from.
  if (accumulator.steps > 0) {
    await saveState();
  }
  progress.done({ epoch: sampler.currentEpoch, step });
  adam.dispose();
  return { network, metrics, epoch: sampler.currentEpoch, step };
}

/**
 * Runs one optimizer step on `noisy` images with target `noise` (both [n, height, width, channels]): loss =
 * Σ (f(y) − noise)² / n in training mode, gradients, Adam update. Returns the loss and the per-image MSE.
 */
export function trainStep(network: BiasFreeNetwork, adam: Adam, noisy: ImageBatch, noise: ImageBatch, learningRate: number): { loss: number; mse: Float32Array } {
  const variableNames = new Map<string, string>();
  for (const [name, variable] of network.trainable) {
    variableNames.set(variable.name, name);
  }
  const y = tf.tensor4d(noisy.data, noisy.shape as [number, number, number, number]);
  const target = tf.tensor4d(noise.data, noise.shape as [number, number, number, number]);
  const batchSize = noisy.shape[0];
  let perImage: tf.Tensor | undefined;

  const { value, grads } = tf.variableGrads(() => {
    const residual = tf.sub(network.apply(y, { training: true }), target);
    const squared = tf.square(residual);
    perImage = tf.keep(tf.mean(squared, [1, 2, 3]));
    return tf.div(tf.sum(squared), batchSize) as tf.Scalar;
  }, [...network.trainable.values()]);

  const gradients = new Map<string, tf.Tensor>();
  for (const [variableName, gradient] of Object.entries(grads)) {
    gradients.set(variableNames.get(variableName) as string, gradient);
  }
  adam.apply(gradients, learningRate);

  const loss = value.dataSync()[0];
  const mse = Float32Array.from((perImage as tf.Tensor).dataSync());
  tf.dispose([y, target, value, perImage as tf.Tensor, ...Object.values(grads)]);
  return { loss, mse };
}

/** Hyper-parameters with defaults filled in, as recorded in the checkpoint. */
interface HyperParameters {
  epochs: number;
  samplesPerEpoch?: number;
  batchSize: number;
  learningRate: number;
  lrHalvingEpochs: number;
  noise: { distribution: NoiseLevelDistribution; sigmaMin: number; sigmaMax: number };
  seed: number;
  evalSigmas: number[];
  evalImages: number;
  optimizer: { name: 'adam'; beta1: number; beta2: number; epsilon: number };
  loss: string;
}

function resolveHyperParameters(options: TrainDenoiserOptions): HyperParameters {
  const positiveInteger = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new Error(`trainDenoiser: ${name} ${value} is invalid: use an integer > 0.`);
    }
  };
  positiveInteger('epochs', options.epochs);
  positiveInteger('batchSize', options.batchSize);
  positiveInteger('samplesPerEpoch', options.samplesPerEpoch);
  positiveInteger('lrHalvingEpochs', options.lrHalvingEpochs);
  positiveInteger('evalImages', options.evalImages);
  positiveInteger('maxSteps', options.maxSteps);
  const learningRate = options.learningRate ?? 1e-3;
  if (!Number.isFinite(learningRate) || learningRate <= 0) {
    throw new Error(`trainDenoiser: learningRate ${learningRate} is invalid: use a value > 0 (the study uses 1e-3).`);
  }
  const evalSigmas = [...(options.evalSigmas ?? studyEvalSigmas)];
  for (const sigma of evalSigmas) {
    if (!Number.isFinite(sigma) || sigma <= 0) {
      throw new Error(`trainDenoiser: evaluation sigma ${sigma} is invalid: use values > 0 (pixel units of [0, 1] images).`);
    }
  }
  return {
    epochs: options.epochs,
    samplesPerEpoch: options.samplesPerEpoch,
    batchSize: options.batchSize,
    learningRate,
    lrHalvingEpochs: options.lrHalvingEpochs ?? 100,
    noise: resolveNoiseLevelOptions({ distribution: options.noise?.distribution, sigmaMax: options.noise?.sigmaMax }),
    seed: options.seed,
    evalSigmas,
    evalImages: options.evalImages ?? 512,
    optimizer: { name: 'adam', beta1: adamBeta1, beta2: adamBeta2, epsilon: adamEpsilon },
    loss: 'sum of squared errors of the predicted noise / batch size',
  };
}

/** Throws if a resumed run's settings differ from the checkpoint's (the number of epochs may grow). */
function assertSameRun(
  manifest: Record<string, unknown>,
  architecture: string,
  config: Record<string, unknown>,
  hyperParameters: HyperParameters,
  data: Record<string, unknown>,
): void {
  const saved = (manifest['hyperParameters'] ?? {}) as Record<string, unknown>;
  const differences: string[] = [];
  const compare = (name: string, before: unknown, now: unknown) => {
    if (JSON.stringify(before) !== JSON.stringify(now)) {
      differences.push(`${name} ${JSON.stringify(before)} → ${JSON.stringify(now)}`);
    }
  };
  compare('architecture', manifest['architecture'], architecture);
  compare('config', manifest['config'], config);
  for (const key of ['batchSize', 'learningRate', 'lrHalvingEpochs', 'noise', 'seed', 'evalSigmas', 'evalImages'] as const) {
    compare(key, saved[key], hyperParameters[key]);
  }
  if (hyperParameters.samplesPerEpoch !== undefined) {
    compare('samplesPerEpoch', saved['samplesPerEpoch'], hyperParameters.samplesPerEpoch);
  }
  const savedData = (manifest['data'] ?? {}) as Record<string, unknown>;
  compare('training image shape', savedData['trainShape'], data['trainShape']);
  compare('test image shape', savedData['testShape'], data['testShape']);
  // Checkpoints written before the digests were recorded have none, so their images are not compared.
  for (const key of ['trainSha256', 'testSha256'] as const) {
    if (savedData[key] !== undefined && savedData[key] !== data[key]) {
      differences.push(`${key === 'trainSha256' ? 'training' : 'test'} image values (SHA-256 ${String(savedData[key]).slice(0, 12)}… → ${String(data[key]).slice(0, 12)}…)`);
    }
  }
  if (differences.length > 0) {
    throw new Error(`Cannot resume: the run differs from its checkpoint in ${differences.join('; ')}. Use the checkpoint's settings or a new output directory.`);
  }
}

async function appendMetrics(dir: string, metrics: EpochMetrics): Promise<void> {
  const file = path.join(dir, metricsFile);
  const previous = existsSync(file) ? await readFile(file, 'utf8') : '';
  await writeFileAtomic(file, `${previous}${JSON.stringify(metrics)}\n`);
}

/**
 * Rejects images that contain NaN or ±Infinity. The wasm backend's ReLU turns NaN into 0, so such values
 * would otherwise train a network on garbage without a non-finite loss to show it.
 */
function assertFiniteImages(batch: ImageBatch, name: string): void {
  const [, height, width, channels] = batch.shape;
  const imageSize = height * width * channels;
  for (let i = 0; i < batch.data.length; i++) {
    if (!Number.isFinite(batch.data[i])) {
      const image = Math.floor(i / imageSize);
      throw new Error(
        `${name}: image ${image} has the value ${batch.data[i]} at index ${i - image * imageSize}; ` +
          'remove or repair that image, because training needs finite pixel values.',
      );
    }
  }
}

/** Returns the hex SHA-256 of the float32 pixel values of `batch`. */
function pixelDigest(batch: ImageBatch): string {
  return createHash('sha256').update(new Uint8Array(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength)).digest('hex');
}

/** Drops metrics lines of epochs after `completedEpochs` (written before a crash that lost their checkpoint). */
async function truncateMetrics(dir: string, completedEpochs: number): Promise<void> {
  const file = path.join(dir, metricsFile);
  if (!existsSync(file)) {
    return;
  }
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => (JSON.parse(line) as EpochMetrics).epoch <= completedEpochs);
  if (kept.length !== lines.length) {
    await writeFileAtomic(file, kept.map((line) => `${line}\n`).join(''));
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
