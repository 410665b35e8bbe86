/**
 * `npy:FILE`: images from a NumPy array of shape [n, h, w], [n, h, w, c] or, with layout 'nchw',
 * PyTorch's [n, c, h, w] (c = 1 or 3); uint8 values are divided by 255, float32 and float64 values must
 * already lie in [0, 1]. A file written by gahb (with its JSON sidecar) is read with its record and
 * groups. Images are resized only when `size` is given and differs from the array's.
 */

import path from 'node:path';
import { imageBatchFromData, readNpy, type NpyArray } from '@gahb/core';
import type { DataSource, PrepareOptions, PreparedDataset } from '../data-source';
import { loadDataset, readSidecar, sidecarPath } from '../dataset-file';
import { fingerprintFiles } from './fingerprint';
import { resolveCommonOptions } from './resolve-options';
import { preprocessImage, toGrayscale } from '../preprocess';

/** Tolerance on float values outside [0, 1], for rounding in the program that wrote the file. */
const RANGE_TOLERANCE = 1e-3;

/** Converts the array to [n, h, w, c] float32 values in [0, 1]; errors name the file and the fix. */
export function npyToImages(array: NpyArray, file: string, layout: 'nhwc' | 'nchw' = 'nhwc'): { data: Float32Array; shape: number[] } {
  const { dtype, shape } = array;
  if (dtype !== 'uint8' && dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`"${file}" contains ${dtype} values, which are not supported: save images as uint8 (0..255) or float32/float64 (0..1).`);
  }
  let n: number;
  let height: number;
  let width: number;
  let channels: number;
  if (shape.length === 3) {
    [n, height, width] = shape;
    channels = 1;
  } else if (shape.length === 4 && layout === 'nhwc') {
    [n, height, width, channels] = shape;
  } else if (shape.length === 4 && layout === 'nchw') {
    [n, channels, height, width] = shape;
  } else {
    throw new Error(
      `"${file}" has shape [${shape.join(', ')}] (rank ${shape.length}): use [n, h, w], [n, h, w, c] or, with layout nchw, [n, c, h, w].`,
    );
  }
  if (channels !== 1 && channels !== 3) {
    const hint = layout === 'nhwc' ? ' If the array is [n, c, h, w], use layout nchw.' : '';
    throw new Error(`"${file}" has ${channels} channels in shape [${shape.join(', ')}] (layout ${layout}): use 1 or 3 channels.${hint}`);
  }

  if (n === 0 || height === 0 || width === 0) {
    throw new Error(`"${file}" has shape [${shape.join(', ')}], which contains no pixels: save at least one image of at least 1x1 pixels.`);
  }

  const pixelCount = height * width;
  const data = new Float32Array(n * pixelCount * channels);
  const scale = dtype === 'uint8' ? 1 / 255 : 1;
  const source = array.data;
  if (layout === 'nchw' && shape.length === 4 && channels > 1) {
    // Interleave the channel planes of each image: out[i, p, c] = in[i, c, p].
    for (let i = 0; i < n; i++) {
      const base = i * pixelCount * channels;
      for (let c = 0; c < channels; c++) {
        for (let p = 0; p < pixelCount; p++) {
          data[base + p * channels + c] = source[base + c * pixelCount + p] * scale;
        }
      }
    }
  } else {
    for (let k = 0; k < data.length; k++) {
      data[k] = source[k] * scale;
    }
  }

  if (dtype !== 'uint8') {
    let min = Infinity;
    let max = -Infinity;
    let nonFinite = 0;
    let firstNonFinite = -1;
    for (let k = 0; k < data.length; k++) {
      const value = data[k];
      if (!Number.isFinite(value)) {
        nonFinite++;
        firstNonFinite = firstNonFinite < 0 ? k : firstNonFinite;
        continue;
      }
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    if (nonFinite > 0) {
      const image = Math.floor(firstNonFinite / (pixelCount * channels));
      throw new Error(
        `"${file}" contains ${nonFinite} NaN or infinite values (the first in image ${image}): images must be finite values in [0, 1]; fix or remove those images.`,
      );
    }
    if (min < -RANGE_TOLERANCE || max > 1 + RANGE_TOLERANCE) {
      const hint = max > 2 ? ' The values look like 0..255: divide them by 255 or save them as uint8.' : '';
      throw new Error(`"${file}" has values from ${min} to ${max}: images must lie in [0, 1].${hint}`);
    }
  }
  return { data, shape: [n, height, width, channels] };
}

export const npySource: DataSource = {
  scheme: 'npy',
  description: 'npy:FILE — a NumPy array [n, h, w], [n, h, w, c] or [n, c, h, w] (layout nchw) of uint8 0..255 or float 0..1',
  async load(location: string, options: PrepareOptions): Promise<PreparedDataset> {
    const file = path.resolve(location);
    // Checks size, channels and count when given; the defaults it fills in do not apply to arrays.
    resolveCommonOptions(options);

    // A set prepared by gahb carries its record and groups in the sidecar.
    if ((await readSidecar(file)) !== null) {
      const prepared = await loadDataset(file);
      return limitAndResize(prepared, options, file);
    }

    const array = await readNpy(file);
    const { data, shape } = npyToImages(array, file, options.layout ?? 'nhwc');
    const dataset: PreparedDataset = {
      images: imageBatchFromData(data, shape),
      source: `npy:${file}`,
      meta: { file, dtype: array.dtype, layout: options.layout ?? 'nhwc', originalShape: array.shape },
    };
    return limitAndResize(dataset, options, file);
  },
  fingerprint: (location) => fingerprintFiles([path.resolve(location), sidecarPath(path.resolve(location))]),
};

/**
 * Applies `count`, `channels` and `size` to a loaded set. Without `size` the images keep their height
 * and width and only change channels; with it they are cropped (default: centred square) and resized.
 */
function limitAndResize(dataset: PreparedDataset, options: PrepareOptions, file: string): PreparedDataset {
  const [n, height, width, channels] = dataset.images.shape;
  const count = options.count === undefined ? n : Math.min(options.count, n);
  const targetChannels = options.channels ?? (channels as 1 | 3);
  const size = options.size;
  const resize = size !== undefined && (size !== height || size !== width);
  if (count === n && targetChannels === channels && !resize) {
    return dataset;
  }

  const outHeight = resize ? (size as number) : height;
  const outWidth = resize ? (size as number) : width;
  const inputSize = height * width * channels;
  const outputSize = outHeight * outWidth * targetChannels;
  const out = new Float32Array(count * outputSize);
  for (let i = 0; i < count; i++) {
    const name = `Image ${i} of "${file}"`;
    const pixels = { data: dataset.images.data.subarray(i * inputSize, (i + 1) * inputSize), height, width, channels };
    let processed;
    if (resize) {
      processed = preprocessImage(pixels, { size: size as number, channels: targetChannels, crop: options.crop ?? 'center', grayscale: options.grayscale }, name);
    } else if (targetChannels === 1) {
      processed = toGrayscale(pixels, options.grayscale ?? 'mean');
    } else if (channels === 1) {
      throw new Error(`${name} is a grayscale image but 3 channels were requested: use 1 channel.`);
    } else {
      processed = pixels;
    }
    out.set(processed.data, i * outputSize);
  }

  const result: PreparedDataset = {
    images: imageBatchFromData(out, [count, outHeight, outWidth, targetChannels]),
    source: dataset.source,
    meta: { ...dataset.meta, count, channels: targetChannels, ...(resize ? { size, crop: options.crop ?? 'center', resize: 'area-average' } : {}) },
  };
  if (dataset.groups !== undefined) {
    result.groups = dataset.groups.slice(0, count);
    result.groupNames = dataset.groupNames;
  }
  return result;
}
