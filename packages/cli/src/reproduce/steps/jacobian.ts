/**
 * Step "jacobian": eigen-analysis of the Jacobian of the largest-N S1 network of the first data set at a
 * noisy test image, for several noise levels (the study's Fig. 3): eigenvalues (shrinkage factors) and
 * coefficients |⟨x, e_k⟩| of the clean image against k, effective dimensionality = trace of the Jacobian,
 * asymmetry, and the leading eigenvectors.
 */
import { sliceImageBatch, type ImageBatch } from '@gahb/core';
import type { ReproduceContext } from '../context';
import { loadDataSet } from '../data-sets';
import { concatenateImages, formatNumber, gridScale, writeGridFigure, writeLinePlot } from '../figures';
import { analyzeJacobian, topEigenvalues, writeEigenvectorFigure } from '../jacobian-figures';
import { coreApi } from '../package-api';
import type { PipelineStep, StepOutcome } from '../pipeline';
import type { FigureRecord } from '../run-directory';
import { sweepDataSets } from '../sweep-networks';
import { loadJobDenoiser } from '../training-jobs';
import type { PlotSeries } from '@gahb/linalg-analysis';

const stepName = 'jacobian';

export const jacobianStep: PipelineStep<ReproduceContext> = {
  name: stepName,
  title: 'Jacobian eigenvectors: geometry-adaptive harmonic bases',
  dependsOn: ['training-sweep'],
  outputs: () => ['figures/jacobian-spectrum.svg', 'figures/jacobian-eigenvectors.png', 'figures/jacobian-images.png'],
  async run(context): Promise<StepOutcome> {
    const core = coreApi(stepName);
    const { preset } = context;
    const dataset = sweepDataSets(preset)[0];
    const largest = dataset.pairs[dataset.pairs.length - 1];
    const denoiser = await loadJobDenoiser(context, stepName, largest.s1);
    const data = await loadDataSet(context.run, dataset.plan, core);
    const clean = sliceImageBatch(data.test, 0, 1);
    const shape: [number, number, number] = [preset.imageSize, preset.imageSize, 1];

    const perSigma: Array<{ sigma: number; effectiveDimensionality: number; asymmetry?: number; eigenvalues: number[] }> = [];
    const series: PlotSeries[] = [];
    let displayFigure: FigureRecord | undefined;
    let imagesFigure: FigureRecord | undefined;
    const displaySigma = preset.jacobian.sigmas[Math.floor(preset.jacobian.sigmas.length / 2)];

    for (const sigma of preset.jacobian.sigmas) {
      const analysis = await analyzeJacobian(stepName, denoiser, clean, sigma, preset.seed, preset.jacobian.eigenvectorCount);
      const eigenvalues = Array.from(analysis.eigenvalues);
      perSigma.push({ sigma, effectiveDimensionality: analysis.effectiveDimensionality, asymmetry: analysis.asymmetry, eigenvalues: topEigenvalues(analysis, 32) });
      series.push({ label: `λ_k at σ = ${sigma}`, x: eigenvalues.map((_, k) => k), y: eigenvalues });
      if (analysis.cleanCoefficients !== undefined) {
        const coefficients = Array.from(analysis.cleanCoefficients, Math.abs);
        series.push({ label: `|⟨x, e_k⟩| at σ = ${sigma}`, x: coefficients.map((_, k) => k), y: coefficients, style: 'point', axis: 'right' });
      }

      if (sigma === displaySigma) {
        displayFigure = await writeEigenvectorFigure(
          context,
          stepName,
          'jacobian-eigenvectors',
          analysis,
          shape,
          preset.jacobian.eigenvectorCount,
          `Network trained on N = ${largest.n} ${dataset.label}, test image at σ = ${sigma}.`,
        );
        imagesFigure = await writeImagesFigure(context, clean, analysis.noisy, analysis.denoised, sigma);
      }
    }

    const spectrumPath = await writeLinePlot(context, stepName, 'jacobian-spectrum', {
      title: `Jacobian spectrum, N = ${largest.n}`,
      xLabel: 'k',
      yLabel: 'eigenvalue λ_k',
      yLabelRight: '|⟨x, e_k⟩|',
      series,
    });
    const dimensions = perSigma.map((entry) => `σ = ${entry.sigma}: ${formatNumber(entry.effectiveDimensionality)}`).join(', ');
    const figures: FigureRecord[] = [
      {
        path: spectrumPath,
        caption: `Eigenvalues λ_k of the symmetrized Jacobian (lines) and coefficients |⟨x, e_k⟩| of the clean image (points, right axis) against k. Effective dimensionality (trace of the Jacobian): ${dimensions} of ${preset.imageSize * preset.imageSize} pixels.`,
      },
    ];
    if (imagesFigure !== undefined) {
      figures.push(imagesFigure);
    }
    if (displayFigure !== undefined) {
      figures.push(displayFigure);
    }
    return {
      metrics: { network: largest.s1.id, perSigma },
      figures,
      summary: `Effective dimensionality of the N = ${largest.n} network at a test image: ${dimensions}; it should grow as σ decreases.`,
    };
  },
};

async function writeImagesFigure(
  context: ReproduceContext,
  clean: ImageBatch,
  noisy: ImageBatch | undefined,
  denoised: ImageBatch | undefined,
  sigma: number,
): Promise<FigureRecord> {
  const tiles = [clean, noisy, denoised].filter((tile): tile is ImageBatch => tile !== undefined);
  const size = context.preset.imageSize;
  const figurePath = await writeGridFigure(context, stepName, 'jacobian-images', concatenateImages(tiles), {
    columns: tiles.length,
    scale: gridScale(size),
    range: [0, 1],
  });
  return {
    path: figurePath,
    caption: `Clean test image, noisy image at σ = ${sigma} and the network's estimate, left to right (values clipped to [0, 1] for display).`,
  };
}
