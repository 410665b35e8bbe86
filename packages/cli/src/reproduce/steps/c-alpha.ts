/**
 * Step "c-alpha": networks trained on C^α images, one class per α (contour and background regularity
 * equal). Output PSNR against input PSNR on test images, the slope fitted over the small-noise part
 * (σ ≤ 0.2) next to the optimal rate α/(α + 1) of C^α images (the study's Fig. 4), and the leading
 * Jacobian eigenvectors at one image of the most regular class.
 */
import { sliceImageBatch } from '@gahb/core';
import type { PlotSeries } from '@gahb/linalg-analysis';
import type { ReproduceContext } from '../context';
import { cAlphaKey, loadDataSet, planDataSets, type DataSetPlan } from '../data-sets';
import { formatNumber, writeLinePlot } from '../figures';
import { analyzeJacobian, writeEigenvectorFigure } from '../jacobian-figures';
import { coreApi, requireExport, type FitRate, type OptimalCAlphaSlope } from '../package-api';
import type { PipelineStep, StepOutcome } from '../pipeline';
import { evaluatePsnr } from '../psnr-evaluation';
import type { FigureRecord } from '../run-directory';
import { jobId, loadJobDenoiser } from '../training-jobs';

const stepName = 'c-alpha';

/** Noise levels of the C^α PSNR curves; the slope is fitted on those ≤ slopeFitMaxSigma. */
const cAlphaSigmas = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8];
const slopeFitMaxSigma = 0.2;

export const cAlphaStep: PipelineStep<ReproduceContext> = {
  name: stepName,
  title: 'C^α images: denoising rate and adaptive eigenvectors',
  dependsOn: ['training-c-alpha'],
  outputs: () => ['figures/c-alpha-psnr.svg', 'figures/c-alpha-eigenvectors.png'],
  async run(context): Promise<StepOutcome> {
    const core = coreApi(stepName);
    const fitRate = requireExport<FitRate>(stepName, '@gahb/linalg-analysis', 'fitRate');
    const optimalCAlphaSlope = requireExport<OptimalCAlphaSlope>(stepName, '@gahb/linalg-analysis', 'optimalCAlphaSlope');
    const { preset } = context;
    const plans = planDataSets(preset);
    const rows: Array<{ alpha: number; slope: number; slopeStandardError: number; optimalSlope: number; inputPsnr: number[]; outputPsnr: number[] }> = [];
    const series: PlotSeries[] = [];

    for (const alpha of preset.cAlpha.alphas) {
      const plan = plans.find((candidate) => candidate.key === cAlphaKey(alpha)) as DataSetPlan;
      const data = await loadDataSet(context.run, plan, core);
      const test = sliceImageBatch(data.test, 0, Math.min(preset.generalization.evaluationCount, data.test.shape[0]));
      const denoiser = await loadJobDenoiser(context, stepName, { id: jobId(plan.key, preset.cAlpha.trainCount, 1), dataset: plan.key, n: preset.cAlpha.trainCount, side: 1 });
      const curve = evaluatePsnr(denoiser, test, cAlphaSigmas, preset.seed);

      const fitted = curve.filter((point) => point.sigma <= slopeFitMaxSigma);
      const fit = fitRate(fitted.map((point) => point.inputPsnr), fitted.map((point) => point.outputPsnr));
      const inputPsnr = curve.map((point) => point.inputPsnr);
      const outputPsnr = curve.map((point) => point.outputPsnr);
      rows.push({ alpha, slope: fit.slope, slopeStandardError: fit.slopeStandardError, optimalSlope: optimalCAlphaSlope(alpha), inputPsnr, outputPsnr });
      series.push({ label: `α = ${alpha} (slope ${formatNumber(fit.slope, 2)}, optimal ${formatNumber(optimalCAlphaSlope(alpha), 2)})`, x: inputPsnr, y: outputPsnr });
    }
    series.push({ label: 'identity', x: rows[0].inputPsnr, y: rows[0].inputPsnr, style: 'dashed' });

    const psnrPath = await writeLinePlot(context, stepName, 'c-alpha-psnr', {
      title: `C^α images, N = ${preset.cAlpha.trainCount} per class`,
      xLabel: 'input PSNR (dB)',
      yLabel: 'output PSNR (dB)',
      series,
    });
    const slopes = rows.map((row) => `α = ${row.alpha}: ${formatNumber(row.slope, 2)} ± ${formatNumber(row.slopeStandardError, 1)} (optimal ${formatNumber(row.optimalSlope, 2)})`).join('; ');
    const figures: FigureRecord[] = [
      {
        path: psnrPath,
        caption: `Output PSNR against input PSNR of networks trained on ${preset.cAlpha.trainCount} C^α images of each α, on held-out images; dashed: identity. Slopes fitted for σ ≤ ${slopeFitMaxSigma}: ${slopes}.`,
      },
    ];

    // Eigenvectors at one image of the most regular class.
    const alpha = Math.max(...preset.cAlpha.alphas);
    const plan = plans.find((candidate) => candidate.key === cAlphaKey(alpha)) as DataSetPlan;
    const data = await loadDataSet(context.run, plan, core);
    const denoiser = await loadJobDenoiser(context, stepName, { id: jobId(plan.key, preset.cAlpha.trainCount, 1), dataset: plan.key, n: preset.cAlpha.trainCount, side: 1 });
    const analysis = await analyzeJacobian(stepName, denoiser, sliceImageBatch(data.test, 0, 1), preset.cAlpha.sigma, preset.seed, preset.jacobian.eigenvectorCount);
    figures.push(
      await writeEigenvectorFigure(
        context,
        stepName,
        'c-alpha-eigenvectors',
        analysis,
        [preset.imageSize, preset.imageSize, 1],
        preset.jacobian.eigenvectorCount,
        `C^α test image (α = ${alpha}) at σ = ${preset.cAlpha.sigma}, effective dimensionality ${formatNumber(analysis.effectiveDimensionality)}.`,
      ),
    );

    return {
      metrics: { sigmas: cAlphaSigmas, slopeFitMaxSigma, rows: rows.map(({ inputPsnr: _input, ...row }) => row), effectiveDimensionality: analysis.effectiveDimensionality },
      figures,
      summary: `Fitted PSNR slopes: ${slopes}.`,
    };
  },
};
