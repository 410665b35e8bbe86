/**
 * The data sets of a reproduce run and how each is stored in the run directory:
 * `data/KEY/images.npy` (the training pool, [n, size, size, 1] uint8 = round(255 · x), see ./pool-file.ts),
 * `data/KEY/test.npy` (held-out test images, float32) and, for photo patches, `data/KEY/groups.npy` (source photo of each patch, int32).
 * Synthetic pools put S1 = the first N images and S2 = the last N images, as the study's "swap" subsets;
 * photo pools are split by @gahb/datasets' splitSubsets, which keeps each photograph on one side.
 */
import path from 'node:path';
import { imageBatchFromData, type ImageBatch } from '@gahb/core';
import type { Preset } from './presets';
import { requireExport, type CoreApi, type NpyArray, type PreparedDataset, type SplitSubsets } from './package-api';
import { readPoolImages } from './pool-file';
import type { RunDirectory } from './run-directory';

export type DataSetKind = 'c-alpha' | 'photos' | 'disks';

export interface DataSetPlan {
  /** Folder name under `data/`, e.g. "c-alpha-2". */
  key: string;
  kind: DataSetKind;
  /** Regularity α (= β) of a C^α class. */
  alpha?: number;
  /** Images in the training pool (synthetic sets): 2 × the largest N of the sweep, or the class's training count. */
  poolCount: number;
  testCount: number;
}

/** Returns the folder name of the C^α class with regularity `alpha`. */
export function cAlphaKey(alpha: number): string {
  return `c-alpha-${alpha}`;
}

/** Returns the data sets `preset` needs, one entry per key. */
export function planDataSets(preset: Preset): DataSetPlan[] {
  const plans = new Map<string, DataSetPlan>();
  const testCount = preset.generalization.testCount;
  const addPlan = (plan: DataSetPlan): void => {
    const existing = plans.get(plan.key);
    plans.set(plan.key, existing === undefined ? plan : { ...existing, poolCount: Math.max(existing.poolCount, plan.poolCount) });
  };

  for (const dataset of preset.generalization.datasets) {
    const poolCount = 2 * Math.max(...dataset.sizes);
    if (dataset.name === 'c-alpha') {
      addPlan({ key: cAlphaKey(preset.generalization.cAlphaAlpha), kind: 'c-alpha', alpha: preset.generalization.cAlphaAlpha, poolCount, testCount });
    } else {
      addPlan({ key: 'photos', kind: 'photos', poolCount, testCount });
    }
  }
  for (const alpha of preset.cAlpha.alphas) {
    addPlan({ key: cAlphaKey(alpha), kind: 'c-alpha', alpha, poolCount: preset.cAlpha.trainCount, testCount });
  }
  addPlan({ key: 'disks', kind: 'disks', poolCount: preset.disks.trainCount, testCount });
  return [...plans.values()];
}

/** Returns the @gahb/synthetic-images generator options of a synthetic data set. */
export function generatorOptions(preset: Preset, plan: DataSetPlan): Record<string, unknown> {
  const options: Record<string, unknown> = { size: preset.imageSize };
  if (plan.kind === 'c-alpha') {
    options.alpha = plan.alpha;
    options.beta = plan.alpha;
  }
  return options;
}

/** Relative paths of the files the data step writes for `plan`. */
export function dataSetFiles(plan: DataSetPlan): string[] {
  const files = [path.join('data', plan.key, 'images.npy'), path.join('data', plan.key, 'test.npy')];
  if (plan.kind === 'photos') {
    files.push(path.join('data', plan.key, 'groups.npy'));
  } else {
    files.push(path.join('data', plan.key, 'test-parameters.npy'));
  }
  return files;
}

/** Returns `images` as an NpyArray of float32 values with shape [n, height, width, channels]. */
export function imageBatchToNpy(images: ImageBatch): NpyArray {
  return { dtype: 'float32', shape: [...images.shape], data: images.data };
}

/** Returns the ImageBatch stored in a float32 NpyArray of rank 4; `name` is used in the error. */
export function npyToImageBatch(array: NpyArray, name: string): ImageBatch {
  if (array.dtype !== 'float32' || array.shape.length !== 4) {
    throw new Error(`${name} contains ${array.dtype} values of shape [${array.shape.join(', ')}]: expected float32 [n, height, width, channels]. Delete it and rerun the data step.`);
  }
  return imageBatchFromData(array.data as Float32Array, array.shape);
}

/**
 * One data set of the run: the training pool stays on disk (only its shape is read here, and
 * {@link trainingSubset} reads the images it needs), the test images and photo-patch groups are loaded.
 */
export interface LoadedDataSet {
  plan: DataSetPlan;
  /** Absolute path of `data/KEY/images.npy`. */
  poolPath: string;
  /** Shape of the training pool, [n, height, width, channels]. */
  poolShape: number[];
  test: ImageBatch;
  groups?: Int32Array;
}

export async function loadDataSet(run: RunDirectory, plan: DataSetPlan, core: Pick<CoreApi, 'readNpy' | 'readNpyHeader'>): Promise<LoadedDataSet> {
  // A deleted file makes the data step run again on --resume, so that is the fix for an unreadable one.
  const withFix = async <T>(file: string, read: (filePath: string) => Promise<T>): Promise<T> => {
    try {
      return await read(run.resolve('data', plan.key, file));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${reason} Delete the folder data/${plan.key} and rerun with --resume to prepare it again.`, { cause: error });
    }
  };
  const poolPath = run.resolve('data', plan.key, 'images.npy');
  const poolHeader = await withFix('images.npy', core.readNpyHeader);
  if ((poolHeader.dtype !== 'uint8' && poolHeader.dtype !== 'float32') || poolHeader.shape.length !== 4) {
    throw new Error(
      `data/${plan.key}/images.npy contains ${poolHeader.dtype} values of shape [${poolHeader.shape.join(', ')}]: expected uint8 (or float32) [n, height, width, channels]. ` +
        `Delete the folder data/${plan.key} and rerun with --resume to prepare it again.`,
    );
  }
  const test = npyToImageBatch(await withFix('test.npy', core.readNpy), `data/${plan.key}/test.npy`);
  const loaded: LoadedDataSet = { plan, poolPath, poolShape: poolHeader.shape, test };
  if (plan.kind !== 'photos') {
    return loaded;
  }
  const groups = (await withFix('groups.npy', core.readNpy)).data as Int32Array;
  return { ...loaded, groups: groups.length === 0 ? undefined : groups };
}

/** The training images of one side of a split and their indices in the pool. */
export interface TrainingSubset {
  images: ImageBatch;
  indices: Int32Array;
}

/**
 * Reads the training subset S1 (`side` 1) or S2 (`side` 2) of size `n` from the pool file. Synthetic pools
 * use the first or last `n` images; photo pools use splitSubsets so that no photograph contributes to both
 * sides.
 */
export async function trainingSubset(step: string, data: LoadedDataSet, n: number, side: 1 | 2): Promise<TrainingSubset> {
  const poolCount = data.poolShape[0];
  if (n > poolCount / 2 && data.plan.kind !== 'photos' && side === 2) {
    throw new Error(`N = ${n} is larger than half the pool of data/${data.plan.key} (${poolCount} images): rerun the data step with this preset.`);
  }
  let indices: Int32Array;
  if (data.plan.kind !== 'photos') {
    const start = side === 1 ? 0 : poolCount - n;
    indices = Int32Array.from({ length: n }, (_, i) => start + i);
  } else {
    // Photo sets use splitSubsets: whole photographs per side, or first N / last N for sets without groups.
    // NOTE: splitSubsets reads only images.shape[0] (and the groups), so the pool images are not loaded for it.
    const splitSubsets = requireExport<SplitSubsets>(step, '@gahb/datasets', 'splitSubsets');
    const poolPlaceholder = { shape: data.poolShape } as unknown as ImageBatch;
    const dataset: PreparedDataset = { images: poolPlaceholder, source: data.plan.key, groups: data.groups, meta: {} };
    const split = splitSubsets(dataset, n, { testCount: data.plan.testCount });
    indices = side === 1 ? split.s1.indices : split.s2.indices;
  }
  return { images: await readPoolImages(data.poolPath, indices), indices };
}
