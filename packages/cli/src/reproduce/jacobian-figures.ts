/**
 * Jacobian analysis of one denoiser at one image, shared by the Jacobian, C^α and disk steps: runs
 * @gahb/linalg-analysis' analyzeDenoiserAt and writes the eigenvector grid (diverging colormap, each
 * eigenvector scaled to its own symmetric range) with the eigenvalues in the caption.
 */
import { createImageBatch, type ImageBatch } from '@gahb/core';
import type { ReproduceContext } from './context';
import { formatNumber, gridScale, writeGridFigure } from './figures';
import { requireExport, type AnalyzeDenoiserAt, type Denoiser, type JacobianAnalysis } from './package-api';
import type { FigureRecord } from './run-directory';

/**
 * Images with at most this many pixels get the full eigendecomposition. Larger ones get only the top
 * eigenvectors by Lanczos, so at 80x80 the spectrum plot stops at the eigenvectorCount-th eigenvalue.
 */
const fullDecompositionLimit = 4096;

/** Returns the analysis of `denoiser` at `clean` [1, h, w, c] plus noise of standard deviation `sigma`. */
export async function analyzeJacobian(
  step: string,
  denoiser: Denoiser,
  clean: ImageBatch,
  sigma: number,
  seed: number,
  topK: number,
): Promise<JacobianAnalysis> {
  const analyzeDenoiserAt = requireExport<AnalyzeDenoiserAt>(step, '@gahb/linalg-analysis', 'analyzeDenoiserAt');
  const pixels = clean.shape[1] * clean.shape[2] * clean.shape[3];
  return analyzeDenoiserAt(denoiser, clean, { sigma, seed, topK, full: pixels <= fullDecompositionLimit });
}

/** Returns the first `count` eigenvalues as numbers (fewer if the analysis computed fewer). */
export function topEigenvalues(analysis: JacobianAnalysis, count: number): number[] {
  return Array.from(analysis.eigenvalues.subarray(0, Math.min(count, analysis.eigenvalues.length)));
}

/**
 * Writes eigenvectors e_0 … e_(count−1) (rows of `analysis.eigenvectors`) as a grid and returns the figure
 * record; `description` starts the caption.
 */
export async function writeEigenvectorFigure(
  context: ReproduceContext,
  step: string,
  name: string,
  analysis: JacobianAnalysis,
  shape: [number, number, number],
  count: number,
  description: string,
): Promise<FigureRecord> {
  const [height, width, channels] = shape;
  const pixels = height * width * channels;
  const shown = Math.min(count, Math.floor(analysis.eigenvectors.length / pixels));
  const grid = createImageBatch(shown, height, width, channels);
  for (let k = 0; k < shown; k++) {
    grid.data.set(Float32Array.from(analysis.eigenvectors.subarray(k * pixels, (k + 1) * pixels)), k * pixels);
  }
  const columns = Math.min(10, shown);
  const figurePath = await writeGridFigure(context, step, name, grid, {
    columns,
    colormap: 'diverging',
    range: 'per-image-symmetric',
    scale: gridScale(height),
  });
  const eigenvalues = topEigenvalues(analysis, shown).map((value, k) => `λ${k} = ${formatNumber(value)}`);
  return {
    path: figurePath,
    caption: `${description} Eigenvectors e_0 … e_${shown - 1} of the symmetrized Jacobian, row by row (red positive, blue negative, white 0, each scaled to its own range): ${eigenvalues.join(', ')}.`,
  };
}
