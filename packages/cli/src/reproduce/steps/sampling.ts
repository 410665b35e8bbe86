/**
 * Step "sampling": for each N, samples from the S1 and S2 networks started from the same seeds (the
 * study's Fig. 2), the nearest training image of each sample in its network's own training set, the
 * paired S1/S2 similarity and the nearest-training similarity (mean-removed cosine), the fraction of
 * copies (nearest-training similarity > 0.95) and the variance between the two networks' outputs over
 * sigma. The ideal memorizer (exact MMSE denoisers of S1 and S2) is sampled the same way as a baseline.
 */
import { createImageBatch, sliceImageBatch, type ImageBatch } from '@gahb/core';
import type { ReproduceContext } from '../context';
import { loadDataSet, trainingSubset, type TrainingSubset } from '../data-sets';
import { formatNumber, gridScale, writeGridFigure, writeHistogramPlot, writeLinePlot } from '../figures';
import {
  coreApi,
  requireExport,
  type CopyFraction,
  type Denoiser,
  type EmpiricalMmseDenoiserClass,
  type ModelVariance,
  type NearestNeighbors,
  type PairedSimilarity,
  type SamplePaired,
  type SamplerOptions,
} from '../package-api';
import { startProgressIfAvailable, type PipelineStep, type StepOutcome } from '../pipeline';
import type { FigureRecord } from '../run-directory';
import { sweepDataSets } from '../sweep-networks';
import { loadJobDenoiser } from '../training-jobs';
import { imageBatchToNpy } from '../data-sets';

const stepName = 'sampling';

/** Threshold of mean-removed cosine similarity above which a sample counts as a copy of a training image. */
const copyThreshold = 0.95;

interface PairStatistics {
  /** Mean-removed cosine similarity between the S1 and S2 samples of each seed. */
  paired: Float32Array;
  /** Similarity of each S1 sample to its nearest S1 training image, and the same for S2. */
  nearestS1: Float32Array;
  nearestS2: Float32Array;
  nearestIndexS1: Int32Array;
  nearestIndexS2: Int32Array;
  samplesS1: ImageBatch;
  samplesS2: ImageBatch;
  /** Sampler outcome per sample of the S1 and S2 runs. */
  status: string[];
}

export interface SamplingRow {
  n: number;
  medianPaired: number;
  medianNearestS1: number;
  medianNearestS2: number;
  copyFraction: number;
  /** Samples that did not converge (diverged or hit the iteration cap), over both networks. */
  unconverged: number;
  modelVariance: { sigma: number; variance: number }[];
  memorizer?: { medianPaired: number; medianNearestS1: number; copyFraction: number };
}

export const samplingStep: PipelineStep<ReproduceContext> = {
  name: stepName,
  title: 'Samples from S1 and S2 networks with shared seeds',
  dependsOn: ['training-sweep'],
  outputs: (context) =>
    sweepDataSets(context.preset).flatMap((dataset) => [
      `figures/sampling-${dataset.plan.key}-pairs.png`,
      `figures/sampling-${dataset.plan.key}-similarity.svg`,
      `figures/sampling-${dataset.plan.key}-model-variance.svg`,
    ]),
  async run(context): Promise<StepOutcome> {
    const core = coreApi(stepName);
    const samplePaired = requireExport<SamplePaired>(stepName, '@gahb/diffusion', 'samplePaired');
    const nearestNeighbors = requireExport<NearestNeighbors>(stepName, '@gahb/diffusion', 'nearestNeighbors');
    const pairedSimilarity = requireExport<PairedSimilarity>(stepName, '@gahb/diffusion', 'pairedSimilarity');
    const modelVariance = requireExport<ModelVariance>(stepName, '@gahb/diffusion', 'modelVariance');
    const copyFraction = requireExport<CopyFraction>(stepName, '@gahb/diffusion', 'copyFraction');
    const EmpiricalMmseDenoiser = requireExport<EmpiricalMmseDenoiserClass>(stepName, '@gahb/models', 'EmpiricalMmseDenoiser');
    const { preset } = context;
    const size = preset.imageSize;
    const samplerOptions: Partial<SamplerOptions> = {
      sigma0: preset.sampling.sigma0,
      sigmaFinal: preset.sampling.sigmaFinal,
      h0: preset.sampling.h0,
      beta: preset.sampling.beta,
      initialMean: preset.sampling.initialMean,
      schedule: 'ramp',
      maxIterations: preset.sampling.maxIterations,
    };
    const request = { count: preset.sampling.count, seed: preset.seed, shape: [size, size, 1] as [number, number, number] };

    const samplePair = async (first: Denoiser, second: Denoiser, s1: TrainingSubset, s2: TrainingSubset): Promise<PairStatistics> => {
      const [result1, result2] = await samplePaired([first, second], request, samplerOptions);
      const nearest1 = await nearestNeighbors(result1.samples, s1.images, { meanRemoved: true });
      const nearest2 = await nearestNeighbors(result2.samples, s2.images, { meanRemoved: true });
      return {
        paired: pairedSimilarity(result1.samples, result2.samples, { meanRemoved: true }),
        nearestS1: nearest1.similarity,
        nearestS2: nearest2.similarity,
        nearestIndexS1: nearest1.index,
        nearestIndexS2: nearest2.index,
        samplesS1: result1.samples,
        samplesS2: result2.samples,
        status: [...result1.status, ...result2.status],
      };
    };

    const metrics: Record<string, unknown> = {};
    const figures: FigureRecord[] = [];
    const summaries: string[] = [];
    const datasets = sweepDataSets(preset);
    const pairCount = datasets.reduce((sum, dataset) => sum + dataset.pairs.length, 0);
    const progress = startProgressIfAvailable('sampling', pairCount, 'network pairs', context.logger);
    for (const dataset of datasets) {
      const data = await loadDataSet(context.run, dataset.plan, core);
      const varianceImages = sliceImageBatch(data.test, 0, Math.min(16, data.test.shape[0]));
      const rows: SamplingRow[] = [];
      const statistics: PairStatistics[] = [];
      const subsets: Array<[TrainingSubset, TrainingSubset]> = [];

      for (const pair of dataset.pairs) {
        const s1 = await trainingSubset(stepName, data, pair.n, 1);
        const s2 = await trainingSubset(stepName, data, pair.n, 2);
        const network1 = await loadJobDenoiser(context, stepName, pair.s1);
        const network2 = await loadJobDenoiser(context, stepName, pair.s2);
        const pairStatistics = await samplePair(network1, network2, s1, s2);
        await context.run.writeNpy(`samples/${pair.s1.id}.npy`, imageBatchToNpy(pairStatistics.samplesS1));
        await context.run.writeNpy(`samples/${pair.s2.id}.npy`, imageBatchToNpy(pairStatistics.samplesS2));

        const row: SamplingRow = {
          n: pair.n,
          medianPaired: median(pairStatistics.paired),
          medianNearestS1: median(pairStatistics.nearestS1),
          medianNearestS2: median(pairStatistics.nearestS2),
          copyFraction: copyFraction(Float32Array.from([...pairStatistics.nearestS1, ...pairStatistics.nearestS2]), copyThreshold),
          unconverged: pairStatistics.status.filter((status) => status !== 'converged').length,
          modelVariance: await modelVariance(network1, network2, varianceImages, preset.sampling.modelVarianceSigmas, preset.seed),
        };
        if (pair.n <= preset.memorizerMaxN) {
          const memorizer1 = new EmpiricalMmseDenoiser(s1.images, { name: `ideal memorizer of S1 (N = ${pair.n})` });
          const memorizer2 = new EmpiricalMmseDenoiser(s2.images, { name: `ideal memorizer of S2 (N = ${pair.n})` });
          const memorized = await samplePair(memorizer1, memorizer2, s1, s2);
          row.memorizer = {
            medianPaired: median(memorized.paired),
            medianNearestS1: median(memorized.nearestS1),
            copyFraction: copyFraction(memorized.nearestS1, copyThreshold),
          };
        }
        rows.push(row);
        statistics.push(pairStatistics);
        subsets.push([s1, s2]);
        progress?.tick(1, { dataset: dataset.plan.key, n: pair.n });
      }

      metrics[dataset.plan.key] = { samples: preset.sampling.count, copyThreshold, rows };
      figures.push(...(await writeSamplingFigures(context, dataset.plan.key, dataset.label, rows, statistics, subsets)));
      summaries.push(
        `${dataset.label}: median paired S1/S2 similarity ${rows.map((row) => `${formatNumber(row.medianPaired)} (N = ${row.n})`).join(', ')}; median nearest-training similarity (S1) ${rows.map((row) => formatNumber(row.medianNearestS1)).join(', ')}.`,
      );
    }
    progress?.done();
    return { metrics, figures, summary: summaries.join(' ') };
  },
};

/** Returns the median of `values` (NaN for none). */
export function median(values: ArrayLike<number>): number {
  const sorted = Array.from(values).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Returns image `index` of `images` as a batch of one. */
function pickImage(images: ImageBatch, index: number): ImageBatch {
  return sliceImageBatch(images, index, index + 1);
}

async function writeSamplingFigures(
  context: ReproduceContext,
  key: string,
  label: string,
  rows: SamplingRow[],
  statistics: PairStatistics[],
  subsets: Array<[TrainingSubset, TrainingSubset]>,
): Promise<FigureRecord[]> {
  const size = context.preset.imageSize;
  const columns = rows.length;

  // Grid of 4 rows x one column per N: nearest S1 image, S1 sample, S2 sample, nearest S2 image (seed 0).
  const grid = createImageBatch(4 * columns, size, size, 1);
  const pixels = size * size;
  for (const [column, pairStatistics] of statistics.entries()) {
    const [s1, s2] = subsets[column];
    const tiles = [
      pickImage(s1.images, pairStatistics.nearestIndexS1[0]),
      pickImage(pairStatistics.samplesS1, 0),
      pickImage(pairStatistics.samplesS2, 0),
      pickImage(s2.images, pairStatistics.nearestIndexS2[0]),
    ];
    for (const [row, tile] of tiles.entries()) {
      grid.data.set(tile.data.subarray(0, pixels), (row * columns + column) * pixels);
    }
  }
  const gridPath = await writeGridFigure(context, stepName, `sampling-${key}-pairs`, grid, { columns, scale: gridScale(size), range: [0, 1] });

  const largest = statistics.length - 1;
  const histogramPath = await writeHistogramPlot(context, stepName, `sampling-${key}-similarity`, {
    title: `${label}, N = ${rows[largest].n}`,
    xLabel: 'mean-removed cosine similarity',
    series: [
      { label: 'S1 vs S2 sample', values: statistics[largest].paired },
      { label: 'nearest training', values: Float32Array.from([...statistics[largest].nearestS1, ...statistics[largest].nearestS2]) },
    ],
    bins: 20,
    domain: [-1, 1],
  });

  const variancePath = await writeLinePlot(context, stepName, `sampling-${key}-model-variance`, {
    title: `${label}: variance between the S1 and S2 networks`,
    xLabel: 'noise level σ',
    yLabel: 'mean squared difference of the two outputs',
    xScale: 'log',
    yScale: 'log',
    series: rows.map((row) => ({ label: `N = ${row.n}`, x: row.modelVariance.map((point) => point.sigma), y: row.modelVariance.map((point) => point.variance) })),
  });

  const sizes = rows.map((row) => row.n).join(', ');
  return [
    {
      path: gridPath,
      caption: `One seed per column, N = ${sizes} from left to right. Rows: nearest S1 training image, S1-network sample, S2-network sample (same initial noise), nearest S2 training image. Paired similarity of the shown seed: ${statistics.map((pairStatistics) => formatNumber(pairStatistics.paired[0])).join(', ')}.`,
    },
    {
      path: histogramPath,
      caption: `Histograms at N = ${rows[largest].n} over ${context.preset.sampling.count} seeds: similarity between the S1 and S2 samples of a seed (median ${formatNumber(rows[largest].medianPaired)}) and between each sample and its nearest training image (median ${formatNumber(rows[largest].medianNearestS1)} for S1, ${formatNumber(rows[largest].medianNearestS2)} for S2). Copy fraction (nearest similarity > ${copyThreshold}): ${formatNumber(rows[largest].copyFraction)}.`,
    },
    {
      path: variancePath,
      caption: `Variance between the denoised outputs of the S1 and S2 networks on the same noisy test images, against σ, for N = ${sizes}. At σ = ${rows[0].modelVariance[0]?.sigma}: ${rows.map((row) => formatNumber(row.modelVariance[0]?.variance)).join(', ')}.`,
    },
  ];
}
