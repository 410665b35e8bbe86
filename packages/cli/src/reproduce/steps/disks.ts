/**
 * Step "disks": a network trained on images of disks, a 5-dimensional manifold (centre, radius,
 * foreground and background intensity). At a test image it compares the Jacobian's leading eigenvectors
 * with the manifold's tangent space (principal angles), and its PSNR curve with the optimal small-noise
 * denoiser, the projection on the tangent space: output PSNR = input PSNR + 10·log10(pixels / dimension)
 * (the study's Fig. 5).
 */
import { sliceImageBatch } from '@gahb/core';
import type { ReproduceContext } from '../context';
import { generatorOptions, loadDataSet, planDataSets, type DataSetPlan } from '../data-sets';
import { formatNumber, gridScale, writeGridFigure, writeLinePlot } from '../figures';
import { analyzeJacobian, topEigenvalues, writeEigenvectorFigure } from '../jacobian-figures';
import { coreApi, requireExport, type PrincipalAngles, type TangentSpace } from '../package-api';
import type { PipelineStep, StepOutcome } from '../pipeline';
import { evaluatePsnr } from '../psnr-evaluation';
import type { FigureRecord } from '../run-directory';
import { jobId, loadJobDenoiser } from '../training-jobs';
import { createImageBatch } from '@gahb/core';

const stepName = 'disks';
const diskSigmas = [0.005, 0.01, 0.02, 0.04, 0.1, 0.2, 0.4];

export const disksStep: PipelineStep<ReproduceContext> = {
  name: stepName,
  title: 'Disk manifold: tangent space and optimal denoising',
  dependsOn: ['training-disks'],
  outputs: () => ['figures/disks-psnr.svg', 'figures/disks-eigenvectors.png', 'figures/disks-tangent-space.png'],
  async run(context): Promise<StepOutcome> {
    const core = coreApi(stepName);
    const tangentSpace = requireExport<TangentSpace>(stepName, '@gahb/synthetic-images', 'tangentSpace');
    const principalAngles = requireExport<PrincipalAngles>(stepName, '@gahb/linalg-analysis', 'principalAngles');
    const { preset } = context;
    const plan = planDataSets(preset).find((candidate) => candidate.key === 'disks') as DataSetPlan;
    const data = await loadDataSet(context.run, plan, core);
    const denoiser = await loadJobDenoiser(context, stepName, { id: jobId('disks', preset.disks.trainCount, 1), dataset: 'disks', n: preset.disks.trainCount, side: 1 });
    const size = preset.imageSize;
    const pixels = size * size;
    const dimension = preset.disks.manifoldDimension;

    // PSNR against the optimal line of a projection on a `dimension`-dimensional tangent space.
    const test = sliceImageBatch(data.test, 0, Math.min(preset.generalization.evaluationCount, data.test.shape[0]));
    const curve = evaluatePsnr(denoiser, test, diskSigmas, preset.seed);
    const inputPsnr = curve.map((point) => point.inputPsnr);
    const optimalOffset = 10 * Math.log10(pixels / dimension);
    const psnrPath = await writeLinePlot(context, stepName, 'disks-psnr', {
      title: `Disks, N = ${preset.disks.trainCount}`,
      xLabel: 'input PSNR (dB)',
      yLabel: 'output PSNR (dB)',
      series: [
        { label: 'network', x: inputPsnr, y: curve.map((point) => point.outputPsnr) },
        { label: `optimal (input + ${formatNumber(optimalOffset)} dB)`, x: inputPsnr, y: inputPsnr.map((value) => value + optimalOffset), style: 'dashed' },
        { label: 'identity', x: inputPsnr, y: inputPsnr, style: 'dashed' },
      ],
    });

    // Jacobian at the first test image next to the tangent space at its parameters.
    const parameters = await core.readNpy(context.run.resolve('data', 'disks', 'test-parameters.npy'));
    const parameterCount = parameters.shape[1];
    const firstParameters = Float64Array.from((parameters.data as Float64Array).subarray(0, parameterCount));
    const tangent = tangentSpace('disks', firstParameters, generatorOptions(preset, plan));
    const analysis = await analyzeJacobian(stepName, denoiser, sliceImageBatch(data.test, 0, 1), preset.disks.sigma, preset.seed, Math.max(2 * dimension, 10));
    const leading = analysis.eigenvectors.subarray(0, tangent.dimension * pixels);
    const angles = Array.from(principalAngles(Float64Array.from(leading), tangent.basis, pixels));

    const tangentImages = createImageBatch(tangent.dimension, size, size, 1);
    tangentImages.data.set(Float32Array.from(tangent.basis.subarray(0, tangent.dimension * pixels)));
    const tangentPath = await writeGridFigure(context, stepName, 'disks-tangent-space', tangentImages, {
      columns: tangent.dimension,
      colormap: 'diverging',
      range: 'per-image-symmetric',
      scale: gridScale(size),
    });
    const eigenvectorFigure = await writeEigenvectorFigure(
      context,
      stepName,
      'disks-eigenvectors',
      analysis,
      [size, size, 1],
      Math.max(2 * dimension, 10),
      `Disk test image at σ = ${preset.disks.sigma}, effective dimensionality ${formatNumber(analysis.effectiveDimensionality)} (manifold dimension ${dimension}).`,
    );

    const anglesText = angles.map((angle) => formatNumber(angle, 2)).join(', ');
    const psnrText = curve.map((point) => `${formatNumber(point.outputPsnr)} (optimal ${formatNumber(point.inputPsnr + optimalOffset)})`).join(', ');
    const figures: FigureRecord[] = [
      {
        path: psnrPath,
        caption: `Output PSNR of the disk network on test disks against input PSNR, next to the optimal tangent-space projection (input + 10·log10(${pixels}/${dimension}) dB) and the identity. At σ = ${diskSigmas.join(', ')}: ${psnrText} dB.`,
      },
      {
        path: tangentPath,
        caption: `Orthonormal basis of the tangent space of the disk manifold at the test image (${tangent.dimension} vectors). Principal angles between it and the network's first ${tangent.dimension} eigenvectors (radians; as returned by principalAngles): ${anglesText}.`,
      },
      eigenvectorFigure,
    ];
    return {
      metrics: {
        sigma: preset.disks.sigma,
        manifoldDimension: dimension,
        sigmas: diskSigmas,
        outputPsnr: curve.map((point) => point.outputPsnr),
        optimalOffsetDb: optimalOffset,
        effectiveDimensionality: analysis.effectiveDimensionality,
        asymmetry: analysis.asymmetry,
        eigenvalues: topEigenvalues(analysis, 2 * dimension),
        principalAngles: angles,
      },
      figures,
      summary: `Disk network at σ = ${preset.disks.sigma}: effective dimensionality ${formatNumber(analysis.effectiveDimensionality)} for a ${dimension}-dimensional manifold; principal angles to the tangent space ${anglesText}.`,
    };
  },
};
