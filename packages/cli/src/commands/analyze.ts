// `gahb analyze jacobian`: eigen-analysis of a denoiser's Jacobian at one noisy image, written as .npy arrays,
// summary.json and figures.
import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import * as path from 'node:path';
import {
  createImageBatch,
  createLogger,
  decodeImage,
  imageBatchFromData,
  readNpy,
  writeImageGrid,
  writeJsonAtomic,
  writeNpy,
  type ImageBatch,
  type Logger,
} from '@gahb/core';
import { Option } from 'commander';
import { initBackend, type Denoiser } from '@gahb/backend';
import { importPytorchNetwork, loadCheckpoint } from '@gahb/models';
import { analyzeDenoiserAt, spectrumPlot, writeEigenvectorGrid, writePlot, type JacobianAnalysis, type JacobianMethod } from '@gahb/linalg-analysis';
import { registerCommand } from '../command-registry';

interface JacobianCommandOptions {
  model: string;
  arch: string;
  architecture?: string;
  image: string;
  index: string;
  channels: string;
  sigma: string;
  seed: string;
  topK?: string;
  full?: boolean;
  chunkSize: string;
  method: string;
  threads: string;
  eigenvectors?: string;
  out: string;
  backend: string;
}

registerCommand({
  name: 'analyze',
  description: 'Analyse trained denoisers: eigendecomposition of the denoiser Jacobian at a noisy image.',
  configure(command) {
    command
      .command('jacobian')
      .description(
        'Eigenvalues, eigenvectors and effective dimensionality of the symmetric part of the Jacobian A(y) of a denoiser at y = x + sigma z.',
      )
      .requiredOption('--model <path>', 'checkpoint directory (model.json) or a PyTorch state-dict file (.pt)')
      .option('--arch <name>', 'architecture of a PyTorch .pt file (bf-unet or bf-cnn), as in gahb train and import-pytorch', 'bf-unet')
      // The earlier name of --arch, still accepted.
      .addOption(new Option('--architecture <name>').hideHelp())
      .requiredOption('--image <path>', 'clean image: .npy ([h, w], [h, w, c], [n, h, w, c] or [n, c, h, w]) or PNG/JPEG/WebP')
      .option('--index <i>', 'image of a .npy batch to analyse', '0')
      .option('--channels <c>', 'channels of a decoded PNG/JPEG/WebP image: 1 (grayscale, mean of R, G, B) or 3', '1')
      .requiredOption('--sigma <value>', 'noise standard deviation, in pixel units of [0, 1] images (0.15 = 38 on 0..255)')
      .option('--seed <n>', 'seed of the noise z', '1')
      .option('--top-k <k>', 'compute only the k largest eigenpairs by Lanczos, without forming A')
      .option('--full', 'compute the dense Jacobian and all eigenpairs (default unless --top-k is given)')
      .option('--chunk-size <rows>', 'Jacobian rows (or columns) per pass (dense path); lower it (e.g. 16) for 80x80 images to bound memory', '64')
      .option(
        '--method <name>',
        "Jacobian method: 'linearized' (one forward pass per batch of columns, gahb networks), 'vector-jacobian' (any differentiable denoiser) or 'auto'",
        'auto',
      )
      .option('--threads <n>', "worker threads of the dense Jacobian (wasm and cpu backends), or 'auto' (one per core for images of 1,024 pixels or more)", 'auto')
      .option('--eigenvectors <list>', "eigenvectors shown in eigenvectors.png: comma-separated indices or 'start:step:end'", '')
      .requiredOption('--out <dir>', 'output directory (created if needed)')
      .option('--backend <name>', "TensorFlow.js backend: 'auto' or a registered name", 'auto')
      .action(async (options: JacobianCommandOptions) => {
        await runJacobianAnalysis(options);
      });
  },
});

async function runJacobianAnalysis(options: JacobianCommandOptions): Promise<void> {
  const logger = createLogger('analyze');
  const sigma = parseNumber('--sigma', options.sigma);
  const seed = parseInteger('--seed', options.seed, 0);
  const index = parseInteger('--index', options.index, 0);
  const channels = parseInteger('--channels', options.channels, 1);
  if (channels !== 1 && channels !== 3) {
    throw new Error(`--channels ${channels} is invalid: use 1 or 3.`);
  }
  const topK = options.topK === undefined ? undefined : parseInteger('--top-k', options.topK, 1);
  if (topK !== undefined && options.full) {
    throw new Error('--top-k and --full exclude each other: pass one of them.');
  }
  const chunkSize = parseInteger('--chunk-size', options.chunkSize, 1);
  const methods = ['auto', 'linearized', 'vector-jacobian'];
  if (!methods.includes(options.method)) {
    throw new Error(`--method ${options.method} is invalid: use ${methods.join(', ')}.`);
  }
  const method = options.method as JacobianMethod;
  const requestedThreads = options.threads === 'auto' ? undefined : parseInteger('--threads', options.threads, 1);

  const backend = await initBackend({ backend: options.backend });
  logger.info({ backend: backend.name }, `backend ${backend.name} (${backend.reason})`);
  const denoiser = await loadDenoiser(options.model, options.architecture ?? options.arch);
  const clean = await loadImage(options.image, index, channels as 1 | 3, logger);
  const [, height, width, imageChannels] = clean.shape;
  // Checked before the analysis, which can take hours, so that a typo in --eigenvectors or --out fails at once.
  const eigenvectorIndices = parseIndexList(options.eigenvectors ?? '', topK ?? height * width * imageChannels);
  await createOutputFolder(options.out);
  logger.info({ model: options.model, image: options.image, index, height, width, channels: imageChannels, sigma, seed }, 'analysing the Jacobian');

  const threads = requestedThreads ?? automaticThreads(backend.name, denoiser, height * width * imageChannels);
  const analysis = await analyzeDenoiserAt(denoiser, clean, { sigma, seed, topK, full: options.full, chunkSize, method, threads });
  let jacobianMethod: string = method;
  if (method === 'auto') {
    jacobianMethod = typeof denoiser.linearize === 'function' ? 'linearized' : 'vector-jacobian';
  }
  await writeOutputs(options, analysis, eigenvectorIndices, { jacobianMethod, threads });
  logger.info(
    {
      out: options.out,
      effectiveDimensionality: analysis.effectiveDimensionality,
      asymmetry: analysis.asymmetry,
      seconds: analysis.timing.totalSeconds,
    },
    'Jacobian analysis written',
  );
}

/**
 * Returns the threads of `--threads auto`: one per core (at most 8) on the single-thread wasm and cpu
 * backends when the denoiser can be rebuilt in a worker and the image has at least 1,024 values, and 1
 * otherwise. Below that size, starting the workers (about a second each) would cost more than it saves.
 */
function automaticThreads(backend: string, denoiser: Denoiser, d: number): number {
  if ((backend !== 'wasm' && backend !== 'cpu') || typeof denoiser.workerRecipe !== 'function' || d < 1024) {
    return 1;
  }
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/** Creates --out, or rejects it with the path when it is a file. */
async function createOutputFolder(out: string): Promise<void> {
  const info = await stat(out).catch(() => null);
  if (info !== null && !info.isDirectory()) {
    throw new Error(`--out ${out} is a file, not a folder: give a folder for the analysis outputs.`);
  }
  await mkdir(out, { recursive: true });
}

async function writeOutputs(
  options: JacobianCommandOptions,
  analysis: JacobianAnalysis,
  eigenvectorIndices: number[],
  computation: { jacobianMethod: string; threads: number },
): Promise<void> {
  const out = options.out;
  const [height, width, channels] = analysis.shape;
  const d = height * width * channels;
  const count = analysis.eigenvalues.length;

  // Arrays: eigenvalues (float64), eigenvectors (float32 rows, to halve the size), coefficients.
  await writeNpy(path.join(out, 'eigenvalues.npy'), { dtype: 'float64', shape: [count], data: analysis.eigenvalues });
  await writeNpy(path.join(out, 'eigenvectors.npy'), { dtype: 'float32', shape: [count, d], data: Float32Array.from(analysis.eigenvectors) });
  const coefficients = new Float64Array(2 * count);
  coefficients.set(analysis.cleanCoefficients, 0);
  coefficients.set(analysis.noisyCoefficients, count);
  await writeNpy(path.join(out, 'coefficients.npy'), { dtype: 'float64', shape: [2, count], data: coefficients });

  await writeJsonAtomic(path.join(out, 'summary.json'), {
    model: options.model,
    image: options.image,
    index: Number(options.index),
    shape: analysis.shape,
    sigma: analysis.sigma,
    seed: analysis.seed,
    method: analysis.method,
    jacobianMethod: computation.jacobianMethod,
    threads: computation.threads,
    eigenpairs: count,
    effectiveDimensionality: analysis.effectiveDimensionality,
    effectiveDimensionalityStandardError: analysis.effectiveDimensionalityStandardError,
    eigenvalueSum: analysis.eigenvalues.reduce((sum, value) => sum + value, 0),
    largestEigenvalues: Array.from(analysis.eigenvalues.subarray(0, 10)),
    asymmetry: analysis.asymmetry,
    homogeneityError: analysis.homogeneityError,
    finiteDifferenceError: Number.isNaN(analysis.finiteDifferenceError) ? null : analysis.finiteDifferenceError,
    reconstructionError: analysis.reconstructionError,
    inputPsnr: analysis.inputPsnr,
    outputPsnr: analysis.outputPsnr,
    lanczos: analysis.lanczos && { iterations: analysis.lanczos.iterations, converged: analysis.lanczos.converged },
    timing: analysis.timing,
    files: {
      eigenvalues: 'eigenvalues.npy: float64 [k], decreasing',
      eigenvectors: 'eigenvectors.npy: float32 [k, d], row k = e_k, largest-magnitude entry positive',
      coefficients: 'coefficients.npy: float64 [2, k], row 0 = |<x, e_k>|, row 1 = <y, e_k>',
    },
  });

  // Figures: clean / noisy / denoised, the spectrum, and a grid of eigenvectors.
  const images = createImageBatch(3, height, width, channels);
  images.data.set(analysis.clean.data, 0);
  images.data.set(analysis.noisy.data, d);
  images.data.set(analysis.denoised.data, 2 * d);
  await writeImageGrid(path.join(out, 'images.png'), images, { columns: 3, scale: Math.max(1, Math.ceil(128 / width)) });
  const plot = spectrumPlot({ eigenvalues: analysis.eigenvalues, cleanCoefficients: analysis.cleanCoefficients, title: `sigma = ${analysis.sigma}` });
  await writePlot(path.join(out, 'spectrum.svg'), plot);
  await writePlot(path.join(out, 'spectrum.png'), plot);
  const indices = eigenvectorIndices.filter((index) => index < count);
  await writeEigenvectorGrid(path.join(out, 'eigenvectors.png'), analysis.eigenvectors, analysis.eigenvalues, indices, analysis.shape);
}

async function loadDenoiser(model: string, architecture: string): Promise<Denoiser> {
  const info = await stat(model).catch(() => {
    throw new Error(`--model ${model} not found: pass a checkpoint directory or a PyTorch .pt file.`);
  });
  if (info.isDirectory()) {
    return (await loadCheckpoint(model)).denoiser;
  }
  const network = await importPytorchNetwork(model, architecture);
  return network.denoiser(`${architecture} (${path.basename(model)})`);
}

/** Loads image `index` as a [1, height, width, channels] batch from a .npy array or an image file. */
async function loadImage(file: string, index: number, channels: 1 | 3, logger: Logger): Promise<ImageBatch> {
  if (path.extname(file).toLowerCase() !== '.npy') {
    const decoded = await decodeImage(file, { channels });
    return imageBatchFromData(decoded.data, [1, decoded.height, decoded.width, decoded.channels]);
  }

  const array = await readNpy(file);
  if (array.dtype !== 'uint8' && array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new Error(`--image ${file} contains ${array.dtype} values: save the image as uint8 (0..255) or float32/float64 (0..1).`);
  }
  const scale = array.dtype === 'uint8' ? 1 / 255 : 1;
  const values = Float32Array.from(array.data as ArrayLike<number>, (value) => value * scale);
  const shape = array.shape;
  let nhwc: [number, number, number, number];
  let channelsFirst = false;
  if (shape.length === 2) nhwc = [1, shape[0], shape[1], 1];
  else if (shape.length === 3) nhwc = shape[2] <= 3 ? [1, shape[0], shape[1], shape[2]] : [shape[0], shape[1], shape[2], 1];
  else if (shape.length === 4 && shape[3] <= 3) nhwc = [shape[0], shape[1], shape[2], shape[3]];
  else if (shape.length === 4 && shape[1] <= 3) {
    nhwc = [shape[0], shape[2], shape[3], shape[1]];
    channelsFirst = true;
  } else {
    throw new Error(`--image ${file} has an unsupported shape [${shape.join(', ')}]: use [h, w], [h, w, c], [n, h, w], [n, h, w, c] or [n, c, h, w] with c = 1 or 3.`);
  }

  const [n, height, width, imageChannels] = nhwc;
  if (index >= n) {
    throw new Error(`--index ${index} is invalid: ${file} contains ${n} images, so use 0 to ${n - 1}.`);
  }
  const d = height * width * imageChannels;
  const image = createImageBatch(1, height, width, imageChannels);
  for (let pixel = 0; pixel < height * width; pixel++) {
    for (let c = 0; c < imageChannels; c++) {
      image.data[pixel * imageChannels + c] = channelsFirst ? values[index * d + c * height * width + pixel] : values[index * d + pixel * imageChannels + c];
    }
  }
  checkImageRange(image.data, `--image ${file} (image ${index})`, logger);
  return image;
}

/**
 * Rejects NaN and infinite values, which would otherwise surface deep inside the eigensolver, and values
 * above 2, which look like the 0..255 scale and would make sigma 255 times too small for the image.
 * Other values outside [0, 1] (e.g. normalized test inputs) are analysed with a warning.
 */
function checkImageRange(values: Float32Array, name: string, logger: Logger): void {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) {
      throw new Error(`${name} contains NaN or infinite values: pass an image with finite values in [0, 1].`);
    }
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (max > 2) {
    throw new Error(`${name} has values from ${min} to ${max}, which look like 0..255: divide them by 255 or save the image as uint8.`);
  }
  if (min < 0 || max > 1) {
    logger.warn({ min, max }, `${name} has values outside [0, 1]; sigma is in pixel units of [0, 1] images.`);
  }
}

/** Parses "5,17,29" or "start:step:end" (end exclusive) into indices below `count`; empty gives 0…min(20, count)−1. */
function parseIndexList(text: string, count: number): number[] {
  if (text.trim() === '') return Array.from({ length: Math.min(20, count) }, (_, i) => i);
  const range = /^(\d+):(\d+):(\d+)$/.exec(text.trim());
  if (range !== null && Number(range[2]) === 0) {
    throw new Error(`--eigenvectors "${text}" is invalid: the step of start:step:end must be >= 1.`);
  }
  const indices = range
    ? Array.from({ length: Math.max(0, Math.ceil((Number(range[3]) - Number(range[1])) / Number(range[2]))) }, (_, i) => Number(range[1]) + i * Number(range[2]))
    : text.split(',').map((part) => Number(part.trim()));
  const valid = indices.filter((value) => Number.isInteger(value) && value >= 0 && value < count);
  if (valid.length === 0 || valid.length !== indices.length) {
    throw new Error(`--eigenvectors "${text}" is invalid: use indices in [0, ${count - 1}] as "5,17,29" or "start:step:end".`);
  }
  return valid;
}

function parseNumber(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name} ${text} is invalid: use a number >= 0.`);
  }
  return value;
}

function parseInteger(name: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new Error(`${name} ${text} is invalid: use an integer >= ${minimum}.`);
  }
  return value;
}
