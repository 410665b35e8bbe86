/**
 * `gahb train` trains a blind denoiser (bf-unet or bf-cnn) on subset S1 or S2 of a data set. After every
 * epoch it writes a checkpoint (model.json, weights.safetensors) and a metrics.jsonl line to --out, and
 * --resume continues an interrupted run exactly.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { initBackend } from '@gahb/backend';
import { prepareDataset, selectImages, splitSubsets } from '@gahb/datasets';
import { architectureRegistry, trainDenoiser, type EpochMetrics } from '@gahb/models';
import { registerCommand } from '../command-registry';
import '../register-synthetic-source';

interface TrainCommandOptions {
  data: string;
  n: number;
  side: string;
  size?: number;
  layout?: string;
  testCount: number;
  arch: string;
  config: string[];
  epochs: number;
  batchSize: number;
  samplesPerEpoch?: number;
  lr: number;
  lrHalvingEpochs: number;
  noise: string;
  sigmaMax: number;
  seed: number;
  evalImages: number;
  maxSteps?: number;
  out: string;
  resume?: boolean;
  backend: string;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new InvalidArgumentError(`"${value}" is invalid: use an integer > 0.`);
  }
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`"${value}" is invalid: use an integer >= 0.`);
  }
  return parsed;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError(`"${value}" is invalid: use a number > 0.`);
  }
  return parsed;
}

function collectKeyValue(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z][\w]*=.+$/.test(value)) {
    throw new InvalidArgumentError(`"${value}" is invalid: use key=value, e.g. blocks=2.`);
  }
  return [...previous, value];
}

/** Turns ["blocks=2", "channels=32"] into { blocks: "2", channels: "32" } (the architecture's schema parses the values). */
export function parseConfigPairs(pairs: readonly string[]): Record<string, string> {
  // Object.fromEntries defines each key as an own property, so even __proto__ reaches the schema's unknown-option check.
  const config = new Map<string, string>();
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    const key = pair.slice(0, separator);
    if (config.has(key)) {
      throw new Error(`--config ${key} is given twice (${key}=${config.get(key)} and ${pair}): give each option once.`);
    }
    config.set(key, pair.slice(separator + 1));
  }
  return Object.fromEntries(config);
}

/** Returns the data spec for --data: a path ending in .npy without a scheme becomes npy:PATH; specs pass unchanged. */
export function dataSpec(data: string): string {
  const hasScheme = /^[a-z][\w-]+:/i.test(data);
  return !hasScheme && /\.npy$/i.test(data) ? `npy:${data}` : data;
}

/**
 * Rejects an --out path that is a file, or a folder with run files but no model.json, before any data is
 * prepared. Without model.json training starts from scratch, which would replace the weights of the
 * earlier run and append a second epoch 1 to its metrics.jsonl.
 */
async function checkOutputFolder(out: string): Promise<void> {
  const info = await stat(out).catch(() => null);
  if (info === null) {
    return;
  }
  if (!info.isDirectory()) {
    throw new Error(`--out ${out} is a file, not a folder: give the folder for the checkpoint and metrics.jsonl.`);
  }
  if (existsSync(path.join(out, 'model.json'))) {
    return;
  }
  for (const file of ['weights.safetensors', 'metrics.jsonl']) {
    if (existsSync(path.join(out, file))) {
      throw new Error(
        `--out ${out} contains ${file} but no model.json, so its run cannot be resumed: restore model.json, ` +
          `or move ${file} away or choose another --out to start a new run.`,
      );
    }
  }
}

/** The data subset that a checkpoint's model.json records for its run. */
interface RecordedSubset {
  source?: unknown;
  side?: unknown;
  indices?: unknown;
}

/**
 * Rejects --resume when the checkpoint in `out` was trained on another data source, side or set of images.
 * The checkpoint's own check compares only image shapes, and S1 and S2 of one set have the same shape.
 */
export async function checkResumedSubset(out: string, subset: { source: string; side: number; indices: Int32Array }): Promise<void> {
  let text: string;
  try {
    text = await readFile(path.join(out, 'model.json'), 'utf8');
  } catch {
    return;
  }
  let recorded: RecordedSubset | undefined;
  try {
    recorded = (JSON.parse(text) as { data?: RecordedSubset }).data;
  } catch {
    // The checkpoint loader reports a corrupt model.json with its own message.
    return;
  }
  if (recorded === undefined) {
    return;
  }
  const differences: string[] = [];
  if (recorded.source !== undefined && recorded.source !== subset.source) {
    differences.push(`data source ${JSON.stringify(recorded.source)} → ${JSON.stringify(subset.source)}`);
  }
  if (recorded.side !== undefined && recorded.side !== subset.side) {
    differences.push(`side S${String(recorded.side)} → S${subset.side}`);
  }
  if (differences.length === 0 && Array.isArray(recorded.indices) && JSON.stringify(recorded.indices) !== JSON.stringify(Array.from(subset.indices))) {
    differences.push('training image indices');
  }
  if (differences.length > 0) {
    throw new Error(
      `Cannot resume ${out}: it was trained on another subset (${differences.join('; ')}). Use the run's --data and --side, or a new --out folder.`,
    );
  }
}

/**
 * Stops training at the first epoch whose training or test loss is NaN or infinite. Later epochs could not recover,
 * and the command would otherwise report success for a network whose output is NaN.
 */
export function stopIfDiverged(metrics: EpochMetrics): void {
  if (!Number.isFinite(metrics.trainLoss) || !Number.isFinite(metrics.testLoss)) {
    throw new Error(
      `Training diverged: in epoch ${metrics.epoch} the training loss is ${metrics.trainLoss} and the test loss ${metrics.testLoss} ` +
        `(learning rate ${metrics.learningRate}). ` +
        'The checkpoint of this epoch is unusable: train again in a new --out with a lower --lr.',
    );
  }
}

registerCommand({
  name: 'train',
  description: 'Train a bias-free denoiser on subset S1 or S2 of a data set, with checkpoints and metrics per epoch.',
  configure(command) {
    command
      .requiredOption('--data <source>', 'images: a .npy file ([n, h, w, c] in [0, 1] or uint8) or a data-source spec such as folder:DIR or celeba:DIR')
      .requiredOption('--n <count>', 'training images N in the subset', positiveInteger)
      .option('--side <side>', 'subset: 1 (S1, the first N images) or 2 (S2, the last N)', '1')
      .option('--layout <order>', 'axis order of a 4-D .npy data file: nhwc (default) or nchw (PyTorch)')
      .option('--size <pixels>', 'image height and width when the source is prepared (default: the source\'s default, 80)', positiveInteger)
      .option('--test-count <count>', 'test images for the per-epoch metrics', positiveInteger, 512)
      .option('--arch <name>', `architecture: ${architectureRegistry.names().join(', ')}`, 'bf-unet')
      .option('--config <key=value>', 'architecture option, repeatable (e.g. --config blocks=2 --config channels=32)', collectKeyValue, [])
      .requiredOption('--epochs <count>', 'epochs to train (in total, including epochs before --resume)', positiveInteger)
      .option('--batch-size <count>', 'images per optimizer step', positiveInteger, 512)
      .option('--samples-per-epoch <count>', 'noisy samples per epoch (default: N·⌊250000/N⌋, the study\'s repetition)', positiveInteger)
      .option('--lr <rate>', 'Adam learning rate at epoch 0', positiveNumber, 1e-3)
      .option('--lr-halving-epochs <count>', 'halve the learning rate every this many epochs', positiveInteger, 100)
      .option('--noise <distribution>', 'noise levels per image: quadratic (σ = u², the study\'s) or uniform', 'quadratic')
      .option('--sigma-max <sigma>', 'largest noise level, in pixel units of [0, 1] images (1 = 255 on the 0..255 scale)', positiveNumber, 1)
      .option('--seed <seed>', 'seed of initialisation, epoch order and noise', nonNegativeInteger, 0)
      .option('--eval-images <count>', 'test images evaluated per epoch', positiveInteger, 512)
      .option('--max-steps <count>', 'stop after this many optimizer steps in total (a checkpoint is written there)', positiveInteger)
      .requiredOption('--out <dir>', 'output directory of the checkpoint and metrics.jsonl')
      .option('--resume', 'continue the run whose checkpoint is in --out')
      .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu, tensorflow, tensorflow-gpu', 'auto')
      .action(async (options: TrainCommandOptions) => {
        if (options.side !== '1' && options.side !== '2') {
          throw new Error(`--side ${options.side} is invalid: use 1 (S1) or 2 (S2).`);
        }
        if (options.layout !== undefined && options.layout !== 'nhwc' && options.layout !== 'nchw') {
          throw new Error(`--layout ${options.layout} is invalid: use nhwc or nchw.`);
        }
        if (options.noise !== 'quadratic' && options.noise !== 'uniform') {
          throw new Error(`--noise ${options.noise} is invalid: use quadratic or uniform.`);
        }
        await checkOutputFolder(options.out);
        // initBackend logs its choice and the reason.
        await initBackend({ backend: options.backend });

        // Prepare the set and select subset S1 or S2 and its test images.
        const spec = dataSpec(options.data);
        const dataset = await prepareDataset(spec, { size: options.size, storage: 'float32', layout: options.layout as 'nhwc' | 'nchw' | undefined });
        const { s1, s2 } = splitSubsets(dataset, options.n, { testCount: options.testCount, seed: options.seed });
        const split = options.side === '1' ? s1 : s2;
        const train = selectImages(dataset.images, split.indices);
        const test = selectImages(dataset.images, split.testIndices);
        if (options.resume === true) {
          await checkResumedSubset(options.out, { source: dataset.source, side: split.side, indices: split.indices });
        }
        console.log(`data:     ${dataset.source}, S${split.side}: ${train.shape[0]} training and ${test.shape[0]} test (${split.testSource}) images of ${train.shape[1]}x${train.shape[2]}x${train.shape[3]}`);

        const result = await trainDenoiser({
          architecture: options.arch,
          config: parseConfigPairs(options.config),
          data: { train, test },
          dataInfo: {
            source: dataset.source,
            side: split.side,
            n: options.n,
            indices: Array.from(split.indices),
            testIndices: Array.from(split.testIndices),
            testSource: split.testSource,
            groups: split.groups,
          },
          epochs: options.epochs,
          samplesPerEpoch: options.samplesPerEpoch,
          batchSize: options.batchSize,
          learningRate: options.lr,
          lrHalvingEpochs: options.lrHalvingEpochs,
          noise: { distribution: options.noise, sigmaMax: options.sigmaMax },
          seed: options.seed,
          outDir: options.out,
          resume: options.resume === true,
          evalImages: options.evalImages,
          maxSteps: options.maxSteps,
          onEpoch: stopIfDiverged,
        });

        const last = result.metrics[result.metrics.length - 1];
        console.log(`trained:  ${result.epoch} epochs, ${result.step} steps`);
        if (last !== undefined) {
          console.log(`metrics:  train PSNR ${last.trainPsnr.toFixed(2)} dB, test PSNR ${last.testPsnr.toFixed(2)} dB`);
        }
        console.log(`written:  ${options.out}`);
        result.network.dispose();
      });
  },
});
