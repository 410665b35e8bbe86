/**
 * PNG grids of image batches: the images of an [n, height, width, channels] batch laid out row by row in
 * `columns` columns, separated and framed by `padding` pixels of mid-grey (128, 128, 128). Mid-grey is
 * chosen because no 'diverging' colour is grey and the 'gray' colormap's black and white ends stay distinct
 * from it.
 */
import { writeFileAtomic } from './atomic-write';
import { loadSharp } from './sharp-loader';
import { applyColormap, assertColormap, colormapChannels, resolveValueRanges, type Colormap, type ValueRange } from './colormap';
import { assertImageBatch, type ImageBatch } from './image-batch';

/** Options of {@link renderImageGrid}, {@link writeImageGrid} and `writePng`. */
export interface ImageGridOptions {
  /** Images per row; default ceil(sqrt(n)). Ignored by `writePng`. */
  columns?: number;
  /** Pixels of mid-grey between images and around the grid, after scaling; default 1. Ignored by `writePng`. */
  padding?: number;
  /** 'gray' (default) or 'diverging' (red–white–blue with white at 0, for signed 1-channel images). */
  colormap?: Colormap;
  /**
   * Values mapped to the colormap's ends; values outside are clipped. Default [0, 1] for 'gray' and
   * 'symmetric' (±max|v| over the batch) for 'diverging'; 'per-image-symmetric' uses ±max|v| of each image.
   */
  range?: ValueRange;
  /** Integer upscaling factor (nearest neighbour) for small images; default 1. */
  scale?: number;
}

/**
 * Largest grid, in pixels, that sharp accepts as raw input for PNG encoding: its default `limitInputPixels`
 * of 268402689 = 16383 × 16383 (sharp 0.34).
 */
const MAX_GRID_PIXELS = 16383 * 16383;

/** Value of every channel of the padding pixels. */
const PADDING_VALUE = 128;

/** 8-bit pixels of a rendered grid, ready for PNG encoding. */
interface RenderedPixels {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Returns a PNG of the images of `batch` ([n, height, width, channels], n ≥ 1) as a grid. */
export async function renderImageGrid(batch: ImageBatch, options: ImageGridOptions = {}): Promise<Uint8Array> {
  return encodePng(composeImages(batch, [...Array(batch.shape[0]).keys()], options));
}

/** Writes the images of `batch` as one PNG grid to `path`, atomically. */
export async function writeImageGrid(path: string, batch: ImageBatch, options: ImageGridOptions = {}): Promise<void> {
  await writeFileAtomic(path, await renderImageGrid(batch, options));
}

/** Encodes 8-bit pixels as PNG bytes (8-bit grayscale or RGB). */
export async function encodePng({ pixels, width, height, channels }: RenderedPixels): Promise<Uint8Array> {
  // Without an explicit colour space, sharp would store 1-channel input as an RGB PNG.
  const png = await loadSharp()(pixels, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * Lays out the images `indices` of `batch` as a grid and maps them through the colormap. The value range
 * is resolved over the whole batch, so 'symmetric' means the same for one image as for the grid.
 */
export function composeImages(batch: ImageBatch, indices: readonly number[], options: ImageGridOptions): RenderedPixels {
  assertImageBatch(batch, 'images');
  const [n, height, width, channels] = batch.shape;
  const colormap = options.colormap ?? 'gray';
  assertColormap(colormap, channels);
  if (indices.length === 0) {
    throw new Error('Cannot render an empty batch of images; pass at least one image.');
  }
  if (height === 0 || width === 0) {
    throw new Error(`Cannot render images of size ${height}x${width} as PNG; use images of at least 1x1 pixel.`);
  }
  for (const index of indices) {
    if (!(Number.isInteger(index) && index >= 0 && index < n)) {
      throw new Error(`Image index ${index} is invalid for a batch of ${n} images; use an integer from 0 to ${n - 1}.`);
    }
  }

  const columns = options.columns ?? Math.ceil(Math.sqrt(indices.length));
  const padding = options.padding ?? 1;
  const scale = options.scale ?? 1;
  assertInteger('columns', columns, 1);
  assertInteger('padding', padding, 0);
  assertInteger('scale', scale, 1);
  const ranges = resolveValueRanges(batch, options.range ?? (colormap === 'diverging' ? 'symmetric' : [0, 1]), colormap);

  // Grid geometry: each tile is the image scaled by `scale`; padding separates tiles and frames the grid.
  const gridColumns = Math.min(columns, indices.length);
  const rows = Math.ceil(indices.length / gridColumns);
  const tileHeight = height * scale;
  const tileWidth = width * scale;
  const gridHeight = rows * tileHeight + (rows + 1) * padding;
  const gridWidth = gridColumns * tileWidth + (gridColumns + 1) * padding;
  if (gridHeight * gridWidth > MAX_GRID_PIXELS) {
    throw new Error(
      `Image grid of ${gridWidth}x${gridHeight} pixels exceeds the PNG limit of ${MAX_GRID_PIXELS} pixels (16383 x 16383); ` +
        'use a smaller scale or padding, or fewer images.',
    );
  }
  const outputChannels = colormapChannels(colormap, channels);
  const pixels = new Uint8Array(gridHeight * gridWidth * outputChannels).fill(PADDING_VALUE);

  const imageSize = height * width * channels;
  const pixelSize = outputChannels;
  indices.forEach((index, position) => {
    const mapped = applyColormap(batch.data, index * imageSize, height * width, channels, colormap, ranges[index]);
    const top = padding + Math.floor(position / gridColumns) * (tileHeight + padding);
    const left = padding + (position % gridColumns) * (tileWidth + padding);

    // Copy each source row `scale` times, repeating each pixel `scale` times (nearest neighbour).
    for (let y = 0; y < tileHeight; y++) {
      const sourceRow = Math.floor(y / scale) * width;
      const targetRow = ((top + y) * gridWidth + left) * pixelSize;
      for (let x = 0; x < tileWidth; x++) {
        const source = (sourceRow + Math.floor(x / scale)) * pixelSize;
        const target = targetRow + x * pixelSize;
        for (let c = 0; c < pixelSize; c++) {
          pixels[target + c] = mapped[source + c];
        }
      }
    }
  });

  return { pixels, width: gridWidth, height: gridHeight, channels: outputChannels };
}

function assertInteger(name: string, value: number, minimum: number): void {
  if (!(Number.isSafeInteger(value) && value >= minimum)) {
    throw new Error(`Image grid option ${name} ${value} is invalid; use an integer >= ${minimum}.`);
  }
}
