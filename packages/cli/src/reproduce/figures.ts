/**
 * Writers of the figures of a reproduce run: SVG plots through @gahb/linalg-analysis' plotLines and
 * plotHistogram, image grids (PNG) through @gahb/core's writeImageGrid. Each returns the figure's path
 * relative to the run directory, so the step can record it with its caption.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createImageBatch, type ImageBatch } from '@gahb/core';
import type { PlotHistogramSpec, PlotLinesSpec } from '@gahb/linalg-analysis';
import type { ReproduceContext } from './context';
import { coreApi, requireExport, type ImageGridOptions, type PlotHistogram, type PlotLines } from './package-api';

/** Writes a line plot to `figures/NAME.svg` and returns that relative path. */
export async function writeLinePlot(context: ReproduceContext, step: string, name: string, spec: PlotLinesSpec): Promise<string> {
  const plotLines = requireExport<PlotLines>(step, '@gahb/linalg-analysis', 'plotLines');
  const relativePath = path.join('figures', `${name}.svg`);
  await context.run.writeFile(relativePath, plotLines(spec));
  return relativePath;
}

/** Writes an overlaid histogram to `figures/NAME.svg` and returns that relative path. */
export async function writeHistogramPlot(context: ReproduceContext, step: string, name: string, spec: PlotHistogramSpec): Promise<string> {
  const plotHistogram = requireExport<PlotHistogram>(step, '@gahb/linalg-analysis', 'plotHistogram');
  const relativePath = path.join('figures', `${name}.svg`);
  await context.run.writeFile(relativePath, plotHistogram(spec));
  return relativePath;
}

/** Writes `images` [n, height, width, channels] as a grid to `figures/NAME.png` and returns that relative path. */
export async function writeGridFigure(
  context: ReproduceContext,
  step: string,
  name: string,
  images: ImageBatch,
  options: ImageGridOptions,
): Promise<string> {
  const core = coreApi(step);
  const relativePath = path.join('figures', `${name}.png`);
  await mkdir(context.run.resolve('figures'), { recursive: true });
  await core.writeImageGrid(context.run.resolve(relativePath), images, options);
  return relativePath;
}

/** Returns the integer upscale factor that makes an image of `size` pixels about 64 pixels wide in a grid. */
export function gridScale(size: number): number {
  return Math.max(1, Math.round(64 / size));
}

/** Formats `value` with `digits` significant digits for captions and tables. */
export function formatNumber(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  return Number(value.toPrecision(digits)).toString();
}

/** Returns the images of `batches` (all with the same height, width and channels) as one batch, in order. */
export function concatenateImages(batches: readonly ImageBatch[]): ImageBatch {
  const [, height, width, channels] = batches[0].shape;
  const count = batches.reduce((sum, batch) => sum + batch.shape[0], 0);
  const result = createImageBatch(count, height, width, channels);
  let offset = 0;
  for (const batch of batches) {
    result.data.set(batch.data.subarray(0, batch.shape[0] * height * width * channels), offset);
    offset += batch.shape[0] * height * width * channels;
  }
  return result;
}
