// Figures of a Jacobian analysis: eigenvector grids in a red-white-blue map centred at 0 with λ_k above each
// tile (as the study's Fig. 3-5 show them), and the spectrum plot of λ_k and |⟨x, e_k⟩| against k.
import * as path from 'node:path';
import sharp from 'sharp';
import { createImageBatch, renderImageGrid, writeFileAtomic } from '@gahb/core';
import { plotLines, svgToPng } from './plot';

/** Options of {@link writeEigenvectorGrid}. */
export interface EigenvectorGridOptions {
  /** Tiles per row. Default min(count, 7). */
  columns?: number;
  /** Integer upscaling of each tile (nearest neighbour). Default: the smallest factor giving tiles >= 96 px wide. */
  scale?: number;
  /** Decimals of the λ labels. Default 3. */
  decimals?: number;
}

const LABEL_HEIGHT = 18;
const GAP = 6;

/**
 * Writes eigenvectors `indices` (rows of `eigenvectors`, each of length height·width·channels) as a grid of
 * tiles titled "λ_k = …", each in the diverging colormap with symmetric limits ±max|e_k| of its own tile.
 * `path` ending in .svg gives an SVG with embedded PNG tiles; anything else gives a PNG (written atomically).
 */
export async function writeEigenvectorGrid(
  filePath: string,
  eigenvectors: Float64Array | Float32Array,
  eigenvalues: ArrayLike<number>,
  indices: readonly number[],
  shape: readonly [number, number, number],
  options: EigenvectorGridOptions = {},
): Promise<void> {
  const [height, width, channels] = shape;
  const d = height * width * channels;
  const count = eigenvectors.length / d;
  if (!Number.isInteger(count)) {
    throw new Error(`writeEigenvectorGrid: eigenvectors has ${eigenvectors.length} values, not a multiple of d = ${d} for shape [${shape.join(', ')}].`);
  }
  if (indices.length === 0) {
    throw new Error('writeEigenvectorGrid: indices is empty; pass at least one eigenvector index.');
  }
  for (const index of indices) {
    if (!(Number.isInteger(index) && index >= 0 && index < count && index < eigenvalues.length)) {
      throw new Error(`writeEigenvectorGrid: index ${index} is invalid: use an integer in [0, ${Math.min(count, eigenvalues.length) - 1}].`);
    }
  }
  const scale = options.scale ?? Math.max(1, Math.ceil(96 / width));
  const columns = Math.min(options.columns ?? 7, indices.length);
  const decimals = options.decimals ?? 3;

  // One PNG tile per eigenvector. NOTE: 3-channel eigenvectors are shown as the mean over channels, because the
  // diverging colormap takes one signed channel.
  const tiles: Uint8Array[] = [];
  for (const index of indices) {
    const tile = createImageBatch(1, height, width, 1);
    for (let pixel = 0; pixel < height * width; pixel++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += eigenvectors[index * d + pixel * channels + c];
      tile.data[pixel] = sum / channels;
    }
    tiles.push(await renderImageGrid(tile, { colormap: 'diverging', range: 'per-image-symmetric', scale, padding: 0 }));
  }

  // Layout: tiles in rows of `columns`, each with a label strip above it.
  const tileWidth = width * scale;
  const tileHeight = height * scale;
  const cellWidth = Math.max(tileWidth, 90);
  const rows = Math.ceil(indices.length / columns);
  const canvasWidth = columns * cellWidth + (columns + 1) * GAP;
  const canvasHeight = rows * (tileHeight + LABEL_HEIGHT) + (rows + 1) * GAP;
  const cells = indices.map((index, position) => {
    const left = GAP + (position % columns) * (cellWidth + GAP);
    const top = GAP + Math.floor(position / columns) * (tileHeight + LABEL_HEIGHT + GAP);
    return {
      label: `λ${subscript(index)} = ${Number(eigenvalues[index]).toFixed(decimals)}`,
      labelX: left + cellWidth / 2,
      labelY: top + LABEL_HEIGHT - 5,
      tileLeft: left + Math.floor((cellWidth - tileWidth) / 2),
      tileTop: top + LABEL_HEIGHT,
    };
  });

  const text = cells
    .map((cell) => `<text x="${cell.labelX}" y="${cell.labelY}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12">${cell.label}</text>`)
    .join('');

  if (path.extname(filePath).toLowerCase() === '.svg') {
    const images = cells
      .map(
        (cell, i) =>
          `<image x="${cell.tileLeft}" y="${cell.tileTop}" width="${tileWidth}" height="${tileHeight}" style="image-rendering:pixelated" href="data:image/png;base64,${Buffer.from(tiles[i]).toString('base64')}"/>`,
      )
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${canvasWidth}" height="${canvasHeight}" viewBox="0 0 ${canvasWidth} ${canvasHeight}"><rect width="100%" height="100%" fill="white"/>${images}${text}</svg>`;
    await writeFileAtomic(filePath, svg);
    return;
  }

  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${canvasWidth}" height="${canvasHeight}">${text}</svg>`;
  const png = await sharp({ create: { width: canvasWidth, height: canvasHeight, channels: 3, background: '#ffffff' } })
    .composite([
      ...cells.map((cell, i) => ({ input: Buffer.from(tiles[i]), left: cell.tileLeft, top: cell.tileTop })),
      { input: Buffer.from(overlay), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
  await writeFileAtomic(filePath, new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
}

/** Data of {@link spectrumPlot}. */
export interface SpectrumPlotData {
  eigenvalues: ArrayLike<number>;
  cleanCoefficients: ArrayLike<number>;
  title?: string;
}

/** Returns an SVG plot of λ_k (line, left axis) and |⟨x, e_k⟩| (points, right axis) against k. */
export function spectrumPlot(data: SpectrumPlotData): string {
  const k = Array.from({ length: data.eigenvalues.length }, (_, i) => i);
  return plotLines({
    title: data.title,
    xLabel: 'k',
    yLabel: 'eigenvalue λ_k',
    yLabelRight: '|⟨x, e_k⟩|',
    series: [
      { label: 'λ_k', x: k, y: Array.from(data.eigenvalues) },
      { label: '|⟨x, e_k⟩|', x: k.slice(0, data.cleanCoefficients.length), y: Array.from(data.cleanCoefficients), style: 'point', axis: 'right' },
    ],
  });
}

/** Writes an SVG document to `filePath` atomically: as is for .svg, rasterised for .png. */
export async function writePlot(filePath: string, svg: string): Promise<void> {
  const extension = path.extname(filePath).toLowerCase();
  if (extension === '.svg') {
    await writeFileAtomic(filePath, svg);
  } else if (extension === '.png') {
    await writeFileAtomic(filePath, await svgToPng(svg));
  } else {
    throw new Error(`writePlot: "${filePath}" has extension "${extension}"; use .svg or .png.`);
  }
}

function subscript(value: number): string {
  const digits = '₀₁₂₃₄₅₆₇₈₉';
  return String(value)
    .split('')
    .map((digit) => digits[Number(digit)])
    .join('');
}
