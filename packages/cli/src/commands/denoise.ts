/**
 * `gahb denoise` adds Gaussian noise of a given σ to images and denoises them with a checkpoint, printing
 * the mean per-image PSNR before and after (dB, images in [0, 1]).
 */
import { InvalidArgumentError } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { imageBatchToTensor, initBackend } from '@gahb/backend';
import { RandomStream, createImageBatch, imageBatchFromData, writeNpy } from '@gahb/core';
import { prepareDataset } from '@gahb/datasets';
import { loadCheckpoint, meanPsnr } from '@gahb/models';
import { registerCommand } from '../command-registry';
import { checkOutputFile } from './output-paths';
import { dataSpec } from './train';

interface DenoiseCommandOptions {
  model: string;
  input: string;
  sigma: number;
  seed: number;
  output?: string;
  batchSize: number;
  layout?: string;
  backend: string;
}

registerCommand({
  name: 'denoise',
  description: 'Add noise of level sigma to images, denoise them with a trained network and print PSNR in and out.',
  configure(command) {
    command
      .requiredOption('--model <dir>', 'checkpoint directory (from gahb train or gahb import-pytorch)')
      .requiredOption('--input <file>', 'clean images: a .npy file [n, h, w, c] in [0, 1] (or a data-source spec)')
      .requiredOption('--sigma <sigma>', 'noise standard deviation in pixel units of [0, 1] images (0.1 = 25.5 on 0..255)', (value: string) => {
        const sigma = Number(value);
        if (!Number.isFinite(sigma) || sigma < 0) {
          throw new InvalidArgumentError(`"${value}" is invalid: use a number >= 0.`);
        }
        return sigma;
      })
      .option('--seed <seed>', 'seed of the noise', (value: string) => {
        const seed = Number(value);
        if (!Number.isSafeInteger(seed) || seed < 0) {
          throw new InvalidArgumentError(`"${value}" is invalid: use an integer >= 0.`);
        }
        return seed;
      }, 0)
      .option('--output <file>', 'write the denoised images here as float32 .npy [n, h, w, c]')
      .option('--batch-size <count>', 'images per network call', (value: string) => {
        const count = Number(value);
        if (!Number.isSafeInteger(count) || count <= 0) {
          throw new InvalidArgumentError(`"${value}" is invalid: use an integer > 0.`);
        }
        return count;
      }, 64)
      .option('--layout <order>', 'axis order of a 4-D .npy input: nhwc (default) or nchw (PyTorch); the output is always nhwc')
      .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu, tensorflow, tensorflow-gpu', 'auto')
      .action(async (options: DenoiseCommandOptions) => {
        if (options.output !== undefined) {
          await checkOutputFile('--output', options.output);
        }
        await initBackend({ backend: options.backend });
        const { network, denoiser } = await loadCheckpoint(options.model);
        if (options.layout !== undefined && options.layout !== 'nhwc' && options.layout !== 'nchw') {
          throw new Error(`--layout ${options.layout} is invalid: use nhwc or nchw.`);
        }
        const images = (await prepareDataset(dataSpec(options.input), { storage: 'float32', layout: options.layout as 'nhwc' | 'nchw' | undefined })).images;
        const [n, height, width, channels] = images.shape;

        // y = x + σz with z from RandomStream.fromSeed(seed, 'denoise-noise', i) for image i.
        const imageSize = height * width * channels;
        const noisy = createImageBatch(n, height, width, channels);
        for (let i = 0; i < n; i++) {
          const noise = RandomStream.fromSeed(options.seed, 'denoise-noise', i).fillNormal(new Float32Array(imageSize), 0, options.sigma);
          for (let k = 0; k < imageSize; k++) {
            noisy.data[i * imageSize + k] = images.data[i * imageSize + k] + noise[k];
          }
        }

        const denoised = new Float32Array(n * imageSize);
        const inputMse = new Float64Array(n);
        const outputMse = new Float64Array(n);
        for (let start = 0; start < n; start += options.batchSize) {
          const end = Math.min(n, start + options.batchSize);
          const y = imageBatchToTensor(imageBatchFromData(noisy.data.subarray(start * imageSize, end * imageSize), [end - start, height, width, channels]));
          const estimate = denoiser.denoise(y, { sigma: options.sigma });
          denoised.set(estimate.dataSync(), start * imageSize);
          tf.dispose([y, estimate]);
        }
        for (let i = 0; i < n; i++) {
          let inputSum = 0;
          let outputSum = 0;
          for (let k = i * imageSize; k < (i + 1) * imageSize; k++) {
            inputSum += (noisy.data[k] - images.data[k]) ** 2;
            outputSum += (denoised[k] - images.data[k]) ** 2;
          }
          inputMse[i] = inputSum / imageSize;
          outputMse[i] = outputSum / imageSize;
        }

        console.log(`images:      ${n} x ${height}x${width}x${channels}, sigma ${options.sigma} (${(options.sigma * 255).toFixed(1)} on 0..255)`);
        if (options.sigma > 1) {
          console.log(
            `warning: --sigma ${options.sigma} is in pixel units of [0, 1] images, which makes the noise far larger than the images; ` +
              `for ${options.sigma} on the 0..255 scale pass --sigma ${(options.sigma / 255).toPrecision(3)}.`,
          );
        }
        console.log(`PSNR in:     ${meanPsnr(inputMse).toFixed(2)} dB`);
        console.log(`PSNR out:    ${meanPsnr(outputMse).toFixed(2)} dB`);
        if (options.output !== undefined) {
          await writeNpy(options.output, { dtype: 'float32', shape: [n, height, width, channels], data: denoised });
          console.log(`written:     ${options.output}`);
        }
        network.dispose();
      });
  },
});

