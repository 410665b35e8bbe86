/**
 * Decoding PNG, JPEG and WebP files into float32 images in [0, 1], and writing one image of a batch as PNG,
 * with sharp (libvips).
 */
import { readFile } from 'node:fs/promises';
import type sharp from 'sharp';
import { writeFileAtomic } from './atomic-write';
import { loadSharp } from './sharp-loader';
import { composeImages, encodePng, type ImageGridOptions } from './image-grid';
import type { ImageBatch } from './image-batch';
import { errorMessage } from './error-message';

/** A decoded image: `data` contains [height, width, channels] values in [0, 1], row by row (C order). */
export interface DecodedImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /**
   * 1 for grayscale, 3 for RGB. Default: 1 for grayscale files and 3 for colour files. Grayscale from a
   * colour file is the plain mean (R + G + B) / 3, as the study computes it, not the luma weighting.
   */
  channels?: 1 | 3;
}

/**
 * Decodes a PNG, JPEG or WebP image (or any other format libvips reads) from a file path or from the file's
 * bytes, into values in [0, 1]: 8-bit images are divided by 255 and 16-bit PNGs by 65535. The alpha channel
 * is dropped without compositing, EXIF orientation is applied, and CMYK or other colour spaces are converted
 * to sRGB. Grayscale output from a colour image is the mean (R + G + B) / 3, not luma.
 * An unreadable or corrupt image is an error naming the file.
 */
export async function decodeImage(input: string | Uint8Array, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const source = typeof input === 'string' ? `"${input}"` : `of ${input.length} bytes`;
  const requestedChannels = options.channels;
  if (requestedChannels !== undefined && requestedChannels !== 1 && requestedChannels !== 3) {
    throw new Error(`decodeImage: channels ${String(requestedChannels)} is invalid; use 1 (grayscale) or 3 (RGB).`);
  }
  // Files are read here rather than by sharp, because libvips caches decoded files by name and could return
  // the old pixels of a file that was rewritten since.
  let sharpInput: Buffer;
  try {
    sharpInput = typeof input === 'string' ? await readFile(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`Cannot read image ${source}: ${reason}`, { cause: error });
  }

  let decoded: { data: Buffer; info: sharp.OutputInfo };
  let fileChannels: 1 | 3;
  let sixteenBit: boolean;
  try {
    const metadata = await loadSharp()(sharpInput).metadata();
    sixteenBit = metadata.depth === 'ushort';
    const colourChannels = (metadata.channels ?? 3) - (metadata.hasAlpha ? 1 : 0);
    fileChannels = colourChannels === 1 ? 1 : 3;

    // Every image is decoded to RGB first, so that grayscale is always the same plain mean of R, G and B.
    decoded = await loadSharp()(sharpInput)
      .rotate()
      .removeAlpha()
      .toColourspace(sixteenBit ? 'rgb16' : 'srgb')
      .raw({ depth: sixteenBit ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`Cannot decode image ${source}: ${reason}. Use a valid PNG, JPEG or WebP file.`, { cause: error });
  }

  const { width, height, channels: decodedChannels } = decoded.info;
  if (decodedChannels !== 3) {
    throw new Error(`Cannot decode image ${source}: expected 3 channels after conversion to RGB, got ${decodedChannels}.`);
  }
  const samples = sixteenBit
    ? new Uint16Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength / 2)
    : decoded.data;
  const maximum = sixteenBit ? 65535 : 255;
  const channels = requestedChannels ?? fileChannels;
  const pixelCount = width * height;
  const data = new Float32Array(pixelCount * channels);

  if (channels === 3) {
    for (let i = 0; i < data.length; i++) {
      data[i] = samples[i] / maximum;
    }
  } else {
    // Summing the integers first makes gray pixels (R = G = B = v) decode to exactly v / maximum.
    const divisor = 3 * maximum;
    for (let i = 0; i < pixelCount; i++) {
      data[i] = (samples[3 * i] + samples[3 * i + 1] + samples[3 * i + 2]) / divisor;
    }
  }
  return { data, height, width, channels };
}

/**
 * Writes image `index` of `batch` ([n, height, width, channels], channels 1 or 3) to `path` as an 8-bit PNG,
 * atomically. Values are mapped through `options.colormap` over `options.range` (default [0, 1] for 'gray')
 * and clipped; `options.scale` upscales by nearest neighbour. `columns` and `padding` are ignored.
 */
export async function writePng(path: string, batch: ImageBatch, index = 0, options: ImageGridOptions = {}): Promise<void> {
  const pixels = composeImages(batch, [index], { ...options, columns: 1, padding: 0 });
  await writeFileAtomic(path, await encodePng(pixels));
}
