/**
 * Colormaps that turn image values into 8-bit pixels for PNG output.
 *
 * - 'gray' maps the range [low, high] linearly to 0..255 on every channel, so 1- and 3-channel images keep
 *   their channels.
 * - 'diverging' is a red–white–blue map for signed 1-channel images such as eigenvectors: 0 is white, values
 *   fall from white towards pure red (255, 0, 0) at `low` and towards pure blue (0, 0, 255) at `high`, each
 *   side scaled separately, so white stays at 0 even for an asymmetric range (which must have low < 0 < high).
 *
 * Values outside the range are clipped to it.
 */
import type { ImageBatch } from './image-batch';

/** Name of a colormap; see the file header for the mappings. */
export type Colormap = 'gray' | 'diverging';

/**
 * Value range mapped to the colormap's ends: explicit `[low, high]`, 'symmetric' for ±max|v| over the
 * whole batch, or 'per-image-symmetric' for ±max|v| of each image.
 */
export type ValueRange = [number, number] | 'symmetric' | 'per-image-symmetric';

/** Number of channels in the colormap's output for images with `inputChannels` channels. */
export function colormapChannels(colormap: Colormap, inputChannels: number): 1 | 3 {
  if (colormap === 'gray') {
    return inputChannels === 1 ? 1 : 3;
  }
  return 3;
}

/** Checks the colormap name against the image channels; `diverging` needs 1-channel images. */
export function assertColormap(colormap: string, channels: number): asserts colormap is Colormap {
  if (colormap !== 'gray' && colormap !== 'diverging') {
    throw new Error(`Colormap "${colormap}" is unknown; use 'gray' or 'diverging'.`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(`Images with ${channels} channels cannot be written as PNG; use 1 (grayscale) or 3 (RGB) channels.`);
  }
  if (colormap === 'diverging' && channels !== 1) {
    throw new Error(`The 'diverging' colormap needs 1-channel images, got ${channels} channels; use colormap 'gray' for RGB images.`);
  }
}

/**
 * Returns the `[low, high]` range of each image of `batch` ([n, height, width, channels]). An explicit
 * range for the 'diverging' colormap must contain 0 inside it. For the symmetric ranges an all-zero batch or image gets [-1, 1], so that it maps to the colour of 0.
 */
export function resolveValueRanges(batch: ImageBatch, range: ValueRange, colormap: Colormap): Array<[number, number]> {
  const [n, height, width, channels] = batch.shape;
  const imageSize = height * width * channels;

  if (Array.isArray(range)) {
    const [low, high] = range;
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new Error(`Value range [${low}, ${high}] is invalid; use finite numbers with low < high.`);
    }
    if (colormap === 'diverging' && !(low < 0 && high > 0)) {
      throw new Error(`Value range [${low}, ${high}] is invalid for the 'diverging' colormap, which puts white at 0; use low < 0 < high or 'symmetric'.`);
    }
    return Array.from({ length: n }, () => [low, high]);
  }
  if (range !== 'symmetric' && range !== 'per-image-symmetric') {
    throw new Error(`Value range "${String(range)}" is invalid; use [low, high], 'symmetric' or 'per-image-symmetric'.`);
  }

  const maxima = Array.from({ length: n }, (_, i) => maxAbsolute(batch.data, i * imageSize, (i + 1) * imageSize));
  const toRange = (maximum: number): [number, number] => (maximum > 0 ? [-maximum, maximum] : [-1, 1]);
  if (range === 'per-image-symmetric') {
    return maxima.map(toRange);
  }
  const batchMaximum = maxima.reduce((a, b) => Math.max(a, b), 0);
  return maxima.map(() => toRange(batchMaximum));
}

function maxAbsolute(data: Float32Array, start: number, end: number): number {
  let maximum = 0;
  for (let i = start; i < end; i++) {
    const magnitude = Math.abs(data[i]);
    // NaN values are skipped, so they do not turn the whole range into NaN.
    if (magnitude > maximum) maximum = magnitude;
  }
  if (!Number.isFinite(maximum)) {
    throw new Error('Cannot compute a symmetric range: the images contain an infinite value; pass an explicit range.');
  }
  return maximum;
}

/**
 * Maps `pixelCount` pixels of `channels` values from `source` (starting at `sourceOffset`) through
 * `colormap` over `[low, high]`, and returns them as 8-bit values with {@link colormapChannels} channels.
 * NaN maps to the colour of `low`.
 */
export function applyColormap(
  source: Float32Array,
  sourceOffset: number,
  pixelCount: number,
  channels: number,
  colormap: Colormap,
  [low, high]: [number, number],
): Uint8Array {
  const output = new Uint8Array(pixelCount * colormapChannels(colormap, channels));

  if (colormap === 'gray') {
    const scale = 255 / (high - low);
    const count = pixelCount * channels;
    for (let i = 0; i < count; i++) {
      const value = (source[sourceOffset + i] - low) * scale;
      output[i] = value > 0 ? Math.min(255, Math.round(value)) : 0;
    }
    return output;
  }

  // Diverging: s in [-1, 1] measures the distance from white; negative values take red, positive blue.
  const negativeScale = low < 0 ? -1 / low : 0;
  const positiveScale = high > 0 ? 1 / high : 0;
  for (let i = 0; i < pixelCount; i++) {
    const value = source[sourceOffset + i];
    let s: number;
    if (Number.isNaN(value)) {
      s = -1;
    } else if (value < 0) {
      s = Math.max(-1, value * negativeScale);
    } else {
      s = Math.min(1, value * positiveScale);
    }
    const fade = Math.round(255 * (1 - Math.abs(s)));
    output[3 * i] = s > 0 ? fade : 255;
    output[3 * i + 1] = fade;
    output[3 * i + 2] = s < 0 ? fade : 255;
  }
  return output;
}
