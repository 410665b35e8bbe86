/**
 * `gahb similarity` measures memorization and generalization: for each sample, its most similar training
 * image (exact search) and, with --paired, its similarity to the sample of another model drawn from the
 * same seed. It writes the values, histograms and the fraction of samples that copy a training image.
 */
import { initBackend } from '@gahb/backend';
import { imageBatchFromData, readNpy, writeJsonAtomic, type ImageBatch } from '@gahb/core';
import { copyFraction, nearestNeighbors, pairedSimilarity, similarityHistogram } from '@gahb/diffusion';
import { registerCommand } from '../command-registry';
import { checkOutputPaths, numberParser, parsePositiveInteger } from './sample';

interface SimilarityCommandOptions {
  samples: string;
  paired?: string;
  modelIndex: number;
  pairedIndex: number;
  train: string;
  out: string;
  raw: boolean;
  threshold: number;
  bins: number;
  chunkSize: number;
  backend: string;
}

/**
 * Reads a float32, float64 or uint8 .npy of shape [n, h, w] or [n, h, w, c] with n ≥ 1 as an ImageBatch.
 * A [models, n, h, w, c] file, as `gahb sample` writes for several models, yields the samples of model
 * `modelIndex`. Values of uint8 files are divided by 255. Other values are not range-checked.
 */
async function readImages(file: string, modelIndex = 0): Promise<ImageBatch> {
  // Plain errors, not commander's InvalidArgumentError: main() exits silently on commander errors raised in an action.
  const array = await readNpy(file);
  if (array.dtype !== 'float32' && array.dtype !== 'float64' && array.dtype !== 'uint8') {
    throw new Error(`"${file}" contains ${array.dtype} values: save images as float32, float64 or uint8.`);
  }
  let shape = array.shape.length === 3 ? [...array.shape, 1] : array.shape;
  let values = array.data;
  if (shape.length === 5) {
    const [models, ...imageShape] = shape;
    if (modelIndex >= models) {
      throw new Error(`"${file}" contains the samples of ${models} model(s), so model index ${modelIndex} does not exist: use 0 to ${models - 1}.`);
    }
    const modelSize = imageShape.reduce((product, dimension) => product * dimension, 1);
    values = values.subarray(modelIndex * modelSize, (modelIndex + 1) * modelSize);
    shape = imageShape;
  }
  if (shape.length !== 4) {
    throw new Error(`"${file}" has shape [${array.shape.join(', ')}]: use [n, h, w], [n, h, w, c] or [models, n, h, w, c].`);
  }
  if (shape[0] === 0) {
    throw new Error(`"${file}" contains no images (shape [${array.shape.join(', ')}]); pass a file with at least one image.`);
  }
  const scale = array.dtype === 'uint8' ? 1 / 255 : 1;
  const data = values instanceof Float32Array ? values : Float32Array.from(values, (value) => value * scale);
  return imageBatchFromData(data, shape);
}

/** Number of models in a [models, n, h, w, c] samples file, 1 for an ordinary image file. */
async function modelCount(file: string): Promise<number> {
  const array = await readNpy(file);
  return array.shape.length === 5 ? array.shape[0] : 1;
}

/** Most histogram bins. Each bin is an entry of the JSON report, and a mistyped count such as 1e9 would need gigabytes. */
const MAX_BINS = 100000;

const parseIndex = numberParser((value) => Number.isSafeInteger(value) && value >= 0, 'an integer ≥ 0');

const parseBins = numberParser((value) => Number.isSafeInteger(value) && value >= 1 && value <= MAX_BINS, `an integer from 1 to ${MAX_BINS}`);

function median(values: Float32Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

registerCommand({
  name: 'similarity',
  description: 'Nearest-training-image and paired-sample cosine similarities of samples, with histograms and the copy fraction.',
  configure(command) {
    command
      .requiredOption('--samples <file>', 'samples as .npy [n, h, w] or [n, h, w, c]')
      .option('--paired <file>', 'samples of a second model from the same seeds, same shape as --samples; default: --samples itself when it holds several models')
      .option('--model-index <i>', 'model whose samples are measured when --samples holds several models ([models, n, h, w, c])', parseIndex, 0)
      .option('--paired-index <i>', 'model of --paired (or of --samples) that the samples are paired with, for [models, n, h, w, c] files', parseIndex, 1)
      .requiredOption('--train <file>', 'training images of the model that drew --samples, .npy [N, h, w] or [N, h, w, c]')
      .requiredOption('--out <file>', 'JSON file for the similarities and their summary')
      .option('--raw', 'use the raw cosine similarity instead of the mean-removed one', false)
      .option('--threshold <similarity>', 'a sample copies a training image when its nearest similarity exceeds this', numberParser((value) => value >= -1 && value <= 1, 'a number in [-1, 1]'), 0.95)
      .option('--bins <count>', `histogram bins over [0, 1], at most ${MAX_BINS}`, parseBins, 20)
      .option('--chunk-size <count>', 'training images per matrix product', parsePositiveInteger, 4096)
      .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu, tensorflow, tensorflow-gpu', 'auto')
      .action(async (options: SimilarityCommandOptions) => {
        await checkOutputPaths(
          [['--out', options.out]],
          [
            ['--samples', options.samples],
            ['--paired', options.paired],
            ['--train', options.train],
          ],
        );
        await initBackend({ backend: options.backend });
        const samples = await readImages(options.samples, options.modelIndex);
        const training = await readImages(options.train);
        const meanRemoved = !options.raw;
        const measure = meanRemoved ? 'mean-removed cosine similarity' : 'raw cosine similarity';

        const nearest = await nearestNeighbors(samples, training, { meanRemoved, chunkSize: options.chunkSize });
        const report: Record<string, unknown> = {
          measure,
          samples: options.samples,
          train: options.train,
          nearest: {
            index: Array.from(nearest.index),
            similarity: Array.from(nearest.similarity),
            median: median(nearest.similarity),
            histogram: similarityHistogram(nearest.similarity, options.bins),
          },
          copyThreshold: options.threshold,
          copyFraction: copyFraction(nearest.similarity, options.threshold),
        };
        console.log(`${measure}: median nearest-training similarity ${median(nearest.similarity).toFixed(3)}, ` +
          `copy fraction ${(report.copyFraction as number).toFixed(3)} (> ${options.threshold})`);

        let pairedFile = options.paired;
        if (pairedFile === undefined && (await modelCount(options.samples)) > 1) {
          pairedFile = options.samples;
        }
        if (pairedFile !== undefined) {
          const pairedIndex = (await modelCount(pairedFile)) > 1 ? options.pairedIndex : 0;
          const paired = pairedSimilarity(samples, await readImages(pairedFile, pairedIndex), { meanRemoved });
          report.paired = {
            file: pairedFile,
            modelIndex: pairedIndex,
            similarity: Array.from(paired),
            median: median(paired),
            histogram: similarityHistogram(paired, options.bins),
          };
          console.log(`${measure}: median paired-sample similarity ${median(paired).toFixed(3)}`);
        }
        await writeJsonAtomic(options.out, report);
        console.log(`similarities written to ${options.out}`);
      });
  },
});
