/**
 * Steps "data-KEY": prepare one data set of the run each (a C^α class or the disks from
 * @gahb/synthetic-images, photo patches or CelebA from @gahb/datasets) and store it as `.npy` files
 * under `data/KEY/`. The training pool is stored as uint8 (quantised to multiples of 1/255, see
 * ../pool-file.ts), and synthetic pools are generated and written chunk by chunk. Synthetic test images come from the same generator with a separate seed, so they
 * lie outside both training subsets. One step per data set lets the other experiments run when a
 * generator is missing from this build.
 */
import path from 'node:path';
import { contiguousImageBatch, type ImageBatch } from '@gahb/core';
import type { ReproduceContext } from '../context';
import { dataSetFiles, generatorOptions, imageBatchToNpy, planDataSets, type DataSetPlan } from '../data-sets';
import { requireExport, requireGenerator, type PrepareDataset, type SelectImages, type SplitSubsets } from '../package-api';
import { writePoolNpy } from '../pool-file';
import type { PipelineStep, StepOutcome } from '../pipeline';
import type { Preset } from '../presets';

/** Returns the name of the step that prepares data set `key`. */
export function dataStepName(key: string): string {
  return `data-${key}`;
}

/** Returns one data step per data set of `preset`. */
export function createDataSteps(preset: Preset): PipelineStep<ReproduceContext>[] {
  return planDataSets(preset).map(createDataStep);
}

function createDataStep(plan: DataSetPlan): PipelineStep<ReproduceContext> {
  const stepName = dataStepName(plan.key);
  return {
    name: stepName,
    title: `Data set ${plan.key}`,
    outputs: () => dataSetFiles(plan),
    async run(context): Promise<StepOutcome> {
      const folder = path.join('data', plan.key);
      const poolPath = context.run.resolve(folder, 'images.npy');
      const { poolShape, test, groups, testParameters, source } =
        plan.kind === 'photos' ? await preparePhotos(stepName, context, plan, poolPath) : await generateSynthetic(stepName, context, plan, poolPath);
      await context.run.writeNpy(path.join(folder, 'test.npy'), imageBatchToNpy(test));
      if (groups !== undefined) {
        await context.run.writeNpy(path.join(folder, 'groups.npy'), { dtype: 'int32', shape: [groups.length], data: groups });
      }
      if (testParameters !== undefined) {
        const parameterCount = testParameters.length / test.shape[0];
        await context.run.writeNpy(path.join(folder, 'test-parameters.npy'), { dtype: 'float64', shape: [test.shape[0], parameterCount], data: testParameters });
      }
      return {
        metrics: { source, poolCount: poolShape[0], testCount: test.shape[0], imageShape: poolShape.slice(1) },
        figures: [],
        summary: `${poolShape[0]} training-pool images and ${test.shape[0]} test images of ${poolShape[1]}x${poolShape[2]} pixels from ${source}.`,
      };
    },
  };
}

/** Prepared data set: the pool, already written to `images.npy`, and the files the step still writes. */
interface PreparedPool {
  /** Shape of the written training pool, [n, height, width, channels]. */
  poolShape: number[];
  test: ImageBatch;
  groups?: Int32Array;
  /** Generator parameters of the test images, [testCount, parameters] row-major (synthetic sets). */
  testParameters?: Float64Array;
  source: string;
}

async function generateSynthetic(stepName: string, context: ReproduceContext, plan: DataSetPlan, poolPath: string): Promise<PreparedPool> {
  const generator = requireGenerator(stepName, plan.kind);
  const options = generatorOptions(context.preset, plan);

  // Training pool and test images use different seeds, so no test image is a training image.
  const seed = context.preset.seed;
  const test = generator.generate(plan.testCount, seed + 1_000_003, options);
  // Image i depends only on (seed, i, options), so generating the pool in chunks from startIndex gives
  // the same images as one call.
  const imageShape = imageShapeOf(test.images);
  await writePoolNpy(poolPath, plan.poolCount, imageShape, (start, end) => generator.generate(end - start, seed, options, start).images.data);
  return {
    poolShape: [plan.poolCount, ...imageShape],
    test: test.images,
    testParameters: test.parameters,
    source: `synthetic:${plan.kind} ${JSON.stringify(options)}`,
  };
}

function imageShapeOf(images: ImageBatch): [number, number, number] {
  const [, height, width, channels] = images.shape;
  return [height, width, channels];
}

async function preparePhotos(stepName: string, context: ReproduceContext, plan: DataSetPlan, poolPath: string): Promise<PreparedPool> {
  const prepareDataset = requireExport<PrepareDataset>(stepName, '@gahb/datasets', 'prepareDataset');
  const splitSubsets = requireExport<SplitSubsets>(stepName, '@gahb/datasets', 'splitSubsets');
  const selectImages = requireExport<SelectImages>(stepName, '@gahb/datasets', 'selectImages');
  const preset = context.preset;

  const options: Record<string, unknown> = { size: preset.imageSize, channels: 1, seed: preset.seed, cacheDir: context.run.resolve('data', 'cache') };
  if (context.options.data.startsWith('patches:')) {
    options.patchesPerImage = preset.generalization.patchesPerImage;
  }
  const dataset = await prepareDataset(context.options.data, options);
  const largestN = plan.poolCount / 2;
  let split: ReturnType<SplitSubsets>;
  try {
    split = splitSubsets(dataset, largestN, { testCount: plan.testCount });
  } catch (error) {
    // splitSubsets suggests a smaller N, which a preset fixes; the data set is what the user can change.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `--data ${context.options.data} (${dataset.images.shape[0]} images) is too small for preset ${preset.name}, whose largest N is ${largestN}: ` +
        `use a larger image set or a smaller preset. ${reason}`,
      { cause: error },
    );
  }
  const test = selectImages(dataset.images, split.s1.testIndices);
  // An empty groups file stands for a set without groups (e.g. CelebA), split as first N / last N.
  const groups = dataset.groups ?? new Int32Array(0);
  const imageShape = imageShapeOf(dataset.images);
  const imageSize = imageShape[0] * imageShape[1] * imageShape[2];
  const pool = contiguousImageBatch(dataset.images);
  await writePoolNpy(poolPath, pool.shape[0], imageShape, (start, end) => pool.data.subarray(start * imageSize, end * imageSize));
  return { poolShape: [pool.shape[0], ...imageShape], test, groups, source: dataset.source };
}
