/**
 * Step "generalization": train and test PSNR of the S1 networks over the noise grid for every N (the
 * study's Fig. 1), the train/test PSNR gap per N (Fig. 15), and the same curves for the ideal memorizer,
 * the exact MMSE denoiser of S1, as a baseline.
 */
import { sliceImageBatch } from '@gahb/core';
import type { ReproduceContext } from '../context';
import { coreApi, requireExport, type EmpiricalMmseDenoiserClass } from '../package-api';
import { startProgressIfAvailable, type PipelineStep, type StepOutcome } from '../pipeline';
import { formatNumber, writeLinePlot } from '../figures';
import { loadDataSet, trainingSubset } from '../data-sets';
import { evaluatePsnr, psnrGap, type PsnrPoint } from '../psnr-evaluation';
import { sweepDataSets } from '../sweep-networks';
import { loadJobDenoiser } from '../training-jobs';
import type { FigureRecord } from '../run-directory';
import type { PlotSeries } from '@gahb/linalg-analysis';

const stepName = 'generalization';

export interface GeneralizationRow {
  n: number;
  train: PsnrPoint[];
  test: PsnrPoint[];
  /** Mean over sigma of train − test PSNR of the S1 network, in dB. */
  gap: number;
  /** The same for the S2 network on its own training images. */
  gapS2: number;
  /** Curves of the exact MMSE denoiser of S1, when N ≤ the preset's memorizerMaxN. */
  memorizer?: { train: PsnrPoint[]; test: PsnrPoint[]; gap: number };
}

export const generalizationStep: PipelineStep<ReproduceContext> = {
  name: stepName,
  title: 'Memorization to generalization: train and test PSNR',
  dependsOn: ['training-sweep'],
  outputs: (context) =>
    sweepDataSets(context.preset).flatMap((dataset) => [
      `figures/generalization-${dataset.plan.key}-train.svg`,
      `figures/generalization-${dataset.plan.key}-test.svg`,
      `figures/generalization-${dataset.plan.key}-gap.svg`,
    ]),
  async run(context): Promise<StepOutcome> {
    const core = coreApi(stepName);
    const EmpiricalMmseDenoiser = requireExport<EmpiricalMmseDenoiserClass>(stepName, '@gahb/models', 'EmpiricalMmseDenoiser');
    const { preset } = context;
    const sigmas = preset.generalization.evaluationSigmas;
    const metrics: Record<string, unknown> = {};
    const figures: FigureRecord[] = [];
    const summaries: string[] = [];

    const datasets = sweepDataSets(preset);
    const pairCount = datasets.reduce((sum, dataset) => sum + dataset.pairs.length, 0);
    const progress = startProgressIfAvailable('generalization', pairCount, 'network pairs', context.logger);
    for (const dataset of datasets) {
      const data = await loadDataSet(context.run, dataset.plan, core);
      const test = sliceImageBatch(data.test, 0, Math.min(preset.generalization.evaluationCount, data.test.shape[0]));
      const rows: GeneralizationRow[] = [];

      for (const pair of dataset.pairs) {
        const s1 = await trainingSubset(stepName, data, pair.n, 1);
        const s2 = await trainingSubset(stepName, data, pair.n, 2);
        const evaluationCount = Math.min(pair.n, preset.generalization.evaluationCount);
        const s1Train = sliceImageBatch(s1.images, 0, evaluationCount);
        const s2Train = sliceImageBatch(s2.images, 0, evaluationCount);

        // Both networks see the same noisy images (same seed), so their curves differ only by the network.
        const network1 = await loadJobDenoiser(context, stepName, pair.s1);
        const network2 = await loadJobDenoiser(context, stepName, pair.s2);
        const train = evaluatePsnr(network1, s1Train, sigmas, preset.seed);
        const testCurve = evaluatePsnr(network1, test, sigmas, preset.seed);
        const gapS2 = psnrGap(evaluatePsnr(network2, s2Train, sigmas, preset.seed), evaluatePsnr(network2, test, sigmas, preset.seed));
        const row: GeneralizationRow = { n: pair.n, train, test: testCurve, gap: psnrGap(train, testCurve), gapS2 };

        if (pair.n <= preset.memorizerMaxN) {
          const memorizer = new EmpiricalMmseDenoiser(s1.images, { name: `ideal memorizer (N = ${pair.n})` });
          const memorizerTrain = evaluatePsnr(memorizer, s1Train, sigmas, preset.seed);
          const memorizerTest = evaluatePsnr(memorizer, test, sigmas, preset.seed);
          row.memorizer = { train: memorizerTrain, test: memorizerTest, gap: psnrGap(memorizerTrain, memorizerTest) };
        }
        rows.push(row);
        progress?.tick(1, { dataset: dataset.plan.key, n: pair.n });
      }

      metrics[dataset.plan.key] = { sigmas, rows };
      figures.push(...(await writeGeneralizationFigures(context, dataset.plan.key, dataset.label, rows)));
      const gaps = rows.map((row) => `N = ${row.n}: ${formatNumber(row.gap)} dB`).join(', ');
      summaries.push(`${dataset.label}: train − test PSNR gap of the S1 network, averaged over σ ∈ {${sigmas.join(', ')}}: ${gaps}.`);
    }

    progress?.done();
    return { metrics, figures, summary: summaries.join(' ') };
  },
};

async function writeGeneralizationFigures(
  context: ReproduceContext,
  key: string,
  label: string,
  rows: GeneralizationRow[],
): Promise<FigureRecord[]> {
  const inputPsnr = rows[0].train.map((point) => point.inputPsnr);
  const identity = { label: 'identity', x: inputPsnr, y: inputPsnr, style: 'dashed' as const };
  const figures: FigureRecord[] = [];

  for (const panel of ['train', 'test'] as const) {
    const series: PlotSeries[] = rows.map((row) => ({ label: `N = ${row.n}`, x: inputPsnr, y: row[panel].map((point) => point.outputPsnr) }));
    const largest = rows[rows.length - 1];
    const memorizer = largest.memorizer;
    if (memorizer !== undefined) {
      series.push({ label: `memorizer N = ${largest.n}`, x: inputPsnr, y: memorizer[panel].map((point) => point.outputPsnr), style: 'point' });
    }
    const figurePath = await writeLinePlot(context, stepName, `generalization-${key}-${panel}`, {
      title: `${label}: ${panel === 'train' ? 'training' : 'test'} images`,
      xLabel: 'input PSNR (dB)',
      yLabel: 'output PSNR (dB)',
      series: [...series, identity],
    });
    const values = rows.map((row) => `N = ${row.n}: ${row[panel].map((point) => formatNumber(point.outputPsnr)).join(' / ')} dB`).join('; ');
    figures.push({
      path: figurePath,
      caption: `Output PSNR of the S1 network against input PSNR on ${panel === 'train' ? 'its training images' : 'held-out test images'} (${label}), one curve per N; dashed: identity. Values at σ = ${rows[0].train.map((point) => point.sigma).join(', ')}: ${values}.`,
    });
  }

  const gapPath = await writeLinePlot(context, stepName, `generalization-${key}-gap`, {
    title: `${label}: train − test PSNR gap`,
    xLabel: 'training-set size N',
    yLabel: 'PSNR gap (dB)',
    xScale: 'log',
    yScale: 'log',
    series: [
      { label: 'S1 network', x: rows.map((row) => row.n), y: rows.map((row) => row.gap) },
      { label: 'S2 network', x: rows.map((row) => row.n), y: rows.map((row) => row.gapS2), style: 'point' },
    ],
  });
  figures.push({
    path: gapPath,
    caption: `Train − test PSNR gap averaged over the noise grid against N (log-log; gaps ≤ 0 are not drawn). S1: ${rows.map((row) => `${formatNumber(row.gap)} dB`).join(', ')}; S2: ${rows.map((row) => `${formatNumber(row.gapS2)} dB`).join(', ')} for N = ${rows.map((row) => row.n).join(', ')}.`,
  });
  return figures;
}
