/**
 * Step "trajectories": the sampling trajectories of the S1 and S2 networks of the largest N of the first
 * data set, started from the same seed (the study's Fig. 8). Every `trajectoryEvery` sampler steps the
 * state y_t is denoised in one step (x̂(y_t)), and the figure shows both sequences. The similarity of the
 * two denoised states against the step shows where the trajectories diverge.
 */
import { createImageBatch, sliceImageBatch } from '@gahb/core';
import type { ReproduceContext } from '../context';
import { formatNumber, gridScale, writeGridFigure, writeLinePlot } from '../figures';
import { requireExport, type PairedSimilarity, type SamplePaired } from '../package-api';
import type { PipelineStep, StepOutcome } from '../pipeline';
import { sweepDataSets } from '../sweep-networks';
import { loadJobDenoiser } from '../training-jobs';

const stepName = 'trajectories';

/** Sampler steps between recorded states. */
const trajectoryEvery = 10;

export const trajectoriesStep: PipelineStep<ReproduceContext> = {
  name: stepName,
  title: 'Sampling trajectories of the S1 and S2 networks from one seed',
  dependsOn: ['training-sweep'],
  outputs: () => ['figures/trajectories-denoised.png', 'figures/trajectories-similarity.svg'],
  async run(context): Promise<StepOutcome> {
    const samplePaired = requireExport<SamplePaired>(stepName, '@gahb/diffusion', 'samplePaired');
    const pairedSimilarity = requireExport<PairedSimilarity>(stepName, '@gahb/diffusion', 'pairedSimilarity');
    const { preset } = context;
    const dataset = sweepDataSets(preset)[0];
    const largest = dataset.pairs[dataset.pairs.length - 1];
    const first = await loadJobDenoiser(context, stepName, largest.s1);
    const second = await loadJobDenoiser(context, stepName, largest.s2);
    const size = preset.imageSize;

    // One sample (index 0 of the sampling step's seed) per network, states recorded every few steps.
    const [result1, result2] = await samplePaired([first, second], { count: 1, seed: preset.seed, shape: [size, size, 1] }, {
      sigma0: preset.sampling.sigma0,
      sigmaFinal: preset.sampling.sigmaFinal,
      h0: preset.sampling.h0,
      beta: preset.sampling.beta,
      initialMean: preset.sampling.initialMean,
      schedule: 'ramp',
      maxIterations: preset.sampling.maxIterations,
      trajectoryEvery,
    });
    const trajectory1 = result1.trajectory;
    const trajectory2 = result2.trajectory;
    if (trajectory1 === undefined || trajectory2 === undefined) {
      throw new Error('samplePaired returned no trajectory although trajectoryEvery was set.');
    }

    // The two runs may stop at different steps; compare the recorded steps they share.
    const recorded = Math.min(trajectory1.denoised.length, trajectory2.denoised.length);
    const steps = trajectory1.steps.slice(0, recorded);
    const similarity = steps.map((_, k) => pairedSimilarity(trajectory1.denoised[k], trajectory2.denoised[k], { meanRemoved: true })[0]);

    const pixels = size * size;
    const grid = createImageBatch(2 * recorded, size, size, 1);
    for (let k = 0; k < recorded; k++) {
      grid.data.set(sliceImageBatch(trajectory1.denoised[k], 0, 1).data.subarray(0, pixels), k * pixels);
      grid.data.set(sliceImageBatch(trajectory2.denoised[k], 0, 1).data.subarray(0, pixels), (recorded + k) * pixels);
    }
    const gridPath = await writeGridFigure(context, stepName, 'trajectories-denoised', grid, { columns: recorded, scale: gridScale(size), range: [0, 1] });
    const similarityPath = await writeLinePlot(context, stepName, 'trajectories-similarity', {
      title: `S1 and S2 trajectories, N = ${largest.n}`,
      xLabel: 'sampler step t',
      yLabel: 'similarity of x̂(y_t) between the networks',
      series: [{ label: 'mean-removed cosine similarity', x: steps, y: similarity }],
    });

    const values = steps.map((step, k) => `t = ${step}: ${formatNumber(similarity[k], 2)}`).join(', ');
    return {
      metrics: { network: largest.s1.id, trajectoryEvery, steps, similarity, iterations: [result1.iterations[0], result2.iterations[0]] },
      figures: [
        {
          path: gridPath,
          caption: `One-step denoised states x̂(y_t) every ${trajectoryEvery} sampler steps from the same initial noise: S1 network (top row) and S2 network (bottom row), N = ${largest.n} ${dataset.label}. The runs took ${result1.iterations[0]} and ${result2.iterations[0]} steps.`,
        },
        { path: similarityPath, caption: `Similarity between the two networks' denoised states against the sampler step: ${values}.` },
      ],
      summary: `Trajectories of the N = ${largest.n} networks from one seed: similarity of the denoised states ${values}.`,
    };
  },
};
