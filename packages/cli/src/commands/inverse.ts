/**
 * `gahb inverse` solves a linear inverse problem for each input image. It measures the clean image with the
 * task's operator and draws one sample of the posterior with the coarse-to-fine sampler, which keeps the
 * measured components. It prints the PSNR of the restored images and of the measurement alone (M Mᵀx).
 */
import { InvalidArgumentError } from 'commander';
import { initBackend } from '@gahb/backend';
import { imageBatchFromData, readNpy, writeJsonAtomic, writeNpy } from '@gahb/core';
import { npyToImages } from '@gahb/datasets';
import {
  inpainting,
  measureImages,
  randomBasis,
  randomPixels,
  samplerRegistry,
  spectralSuperResolution,
  superResolution,
  type MeasurementOperator,
} from '@gahb/diffusion';
import { loadCheckpoint } from '@gahb/models';
import { registerCommand } from '../command-registry';
import {
  addSamplerOptions,
  checkOutputPaths,
  describeResult,
  numberParser,
  parseNonNegativeInteger,
  parsePositiveInteger,
  samplerOptionsFrom,
  summaryOutput,
  summaryPath,
  type SamplerCommandOptions,
} from './sample';

const TASKS = ['inpaint', 'random-pixels', 'super-resolution', 'random-basis', 'spectral'] as const;
type Task = (typeof TASKS)[number];

interface InverseCommandOptions extends SamplerCommandOptions {
  model: string;
  task: Task;
  input: string;
  out: string;
  hole?: number[];
  fraction: number;
  factor: number;
  operatorSeed: number;
  seed: number;
}

const parseFraction = numberParser((value) => value > 0 && value <= 1, 'a fraction in (0, 1]');

function parseHole(value: string): number[] {
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 4 || !parts.every((part) => Number.isSafeInteger(part) && part >= 0)) {
    throw new InvalidArgumentError(`"${value}" is invalid: use top,left,height,width in pixels, e.g. 30,30,20,20.`);
  }
  return parts;
}

/** Returns the task's operator for [height, width, channels] images. */
function createOperator(options: InverseCommandOptions, shape: [number, number, number]): MeasurementOperator {
  switch (options.task) {
    case 'inpaint': {
      // Default hole: half the height and width, centred.
      const [height, width] = shape;
      const [top, left, holeHeight, holeWidth] = options.hole ?? [Math.floor(height / 4), Math.floor(width / 4), Math.ceil(height / 2), Math.ceil(width / 2)];
      return inpainting(shape, { top, left, height: holeHeight, width: holeWidth });
    }
    case 'random-pixels':
      return randomPixels(shape, { fraction: options.fraction, seed: options.operatorSeed });
    case 'super-resolution':
      return superResolution(shape, { factor: options.factor });
    case 'random-basis':
      return randomBasis(shape, { fraction: options.fraction, seed: options.operatorSeed });
    case 'spectral':
      return spectralSuperResolution(shape, { fraction: options.fraction });
  }
}

/** Mean over images of the per-image PSNR in dB (images in [0, 1]). */
function meanPsnr(estimates: Float32Array, truth: Float32Array, count: number): number {
  const size = truth.length / count;
  let total = 0;
  for (let i = 0; i < count; i++) {
    let squaredError = 0;
    for (let k = i * size; k < (i + 1) * size; k++) {
      squaredError += (estimates[k] - truth[k]) ** 2;
    }
    total += -10 * Math.log10(squaredError / size);
  }
  return total / count;
}

registerCommand({
  name: 'inverse',
  description: 'Restore images from linear measurements (inpainting, random pixels, super-resolution, random basis, spectral) with a trained denoiser.',
  configure(command) {
    command
      .requiredOption('--model <dir>', 'checkpoint directory')
      .requiredOption('--task <task>', `measurement: ${TASKS.join(', ')}`, (value: string) => {
        if (!(TASKS as readonly string[]).includes(value)) {
          throw new InvalidArgumentError(`"${value}" is invalid: use one of ${TASKS.join(', ')}.`);
        }
        return value;
      })
      .requiredOption('--input <file>', 'clean images as .npy [n, h, w] or [n, h, w, c], float in [0, 1] or uint8')
      .requiredOption('--out <file>', 'restored images as float32 .npy [n, h, w, c]; a JSON summary is written next to it')
      .option('--hole <top,left,height,width>', 'inpainting hole in pixels (default: the centred half-size rectangle)', parseHole)
      .option('--fraction <p>', 'measured fraction for random-pixels, random-basis and spectral', parseFraction, 0.2)
      .option('--factor <s>', 'block size of super-resolution, in pixels', parsePositiveInteger, 4)
      .option('--operator-seed <seed>', 'seed of the random pixels or random basis', parseNonNegativeInteger, 0)
      .option('--seed <seed>', 'seed of the sampler noise', parseNonNegativeInteger, 0);
    addSamplerOptions(command).action(async (options: InverseCommandOptions) => {
      const sampler = samplerRegistry.get(options.sampler);
      await checkOutputPaths(
        [
          ['--out', options.out],
          summaryOutput(options.out),
        ],
        [['--input', options.input]],
      );
      const images = npyToImages(await readNpy(options.input), options.input);
      const [count, height, width, channels] = images.shape;
      if (count === 0) {
        throw new Error(`--input "${options.input}" contains no images (shape [${images.shape.join(', ')}]); pass a file with at least one image.`);
      }
      await initBackend({ backend: options.backend });
      const { network, denoiser } = await loadCheckpoint(options.model);
      const shape: [number, number, number] = [height, width, channels];

      const operator = createOperator(options, shape);
      const measurements = measureImages(operator, imageBatchFromData(images.data, images.shape));
      const result = await sampler.sample(denoiser, { count, seed: options.seed, shape }, samplerOptionsFrom(options), { operator, measurements });

      // Baseline: the measurement mapped back to image space, M Mᵀx (zeros in the unmeasured components).
      const imageSize = height * width * channels;
      const baseline = new Float32Array(count * imageSize);
      for (let i = 0; i < count; i++) {
        baseline.set(operator.adjoint(measurements.subarray(i * operator.measurementSize, (i + 1) * operator.measurementSize)), i * imageSize);
      }
      const restoredPsnr = meanPsnr(result.samples.data, images.data, count);
      const baselinePsnr = meanPsnr(baseline, images.data, count);

      await writeNpy(options.out, { dtype: 'float32', shape: [count, height, width, channels], data: result.samples.data });
      await writeJsonAtomic(summaryPath(options.out), {
        task: options.task,
        operator: operator.name,
        measurementSize: operator.measurementSize,
        psnr: { restored: restoredPsnr, measurementOnly: baselinePsnr },
        ...describeResult(options.model, result),
      });
      console.log(`${operator.name}: PSNR ${restoredPsnr.toFixed(2)} dB restored, ${baselinePsnr.toFixed(2)} dB from the measurement alone (M Mᵀx)`);
      console.log(`restored images written to ${options.out}`);
      network.dispose();
    });
  },
});
