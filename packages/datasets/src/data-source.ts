/**
 * Prepared data sets and the registry of data sources. A source is keyed by the scheme of a spec
 * such as `folder:photos/` or `npy:faces.npy`; third-party packages add schemes with
 * {@link registerDataSource} when they are imported.
 */

import { Registry, type ImageBatch } from '@gahb/core';
import type { CropOption, GrayscaleMethod } from './preprocess';

/** Options shared by every data source; each source documents which ones it reads. */
export interface PrepareOptions {
  /** Output height and width in pixels; default 80. `npy:` sources keep the array's size unless this is given. */
  size?: number;
  /** Output channels: 1 (grayscale, default) or 3. `npy:` sources keep the array's channels unless this is given. */
  channels?: 1 | 3;
  /** Maximum number of images (files: the first `count` in sorted order; generated sources: how many). */
  count?: number;
  /** Region kept before resizing; the default depends on the source ('center' for folders, the study's crop for CelebA). */
  crop?: CropOption;
  /** RGB to gray conversion: 'mean' of R, G, B (default, as the study) or 'bt601' luma. */
  grayscale?: GrayscaleMethod;
  /** Remove near-duplicates (default false). */
  dedupe?: boolean;
  /** Similarity above which a later image is removed as a near-duplicate of an earlier one; default 0.95. */
  dedupeThreshold?: number;
  /** Compare signed similarity instead of its absolute value (the study uses the absolute value); default false. */
  dedupeSigned?: boolean;
  /** Patch sources: ratios of the cut region's side to `size` (2 cuts a 2·size square and halves it); default [1, 2, 4]. */
  patchScales?: number[];
  /** Patch sources: patches cut from each photograph; default 512. */
  patchesPerImage?: number;
  /** Seed of random choices (patch positions, generated images); default 0. */
  seed?: number;
  /** Skip unreadable or invalid files with a warning and a count instead of failing; default false. */
  skipBadFiles?: boolean;
  /** `npy:` sources: axis order of 4-D arrays, 'nhwc' (default) or PyTorch's 'nchw'. */
  layout?: 'nhwc' | 'nchw';
  /** `celeba:` sources: partition from list_eval_partition.txt ('train', 'valid', 'test' or 'all', the default). */
  partition?: 'train' | 'valid' | 'test' | 'all';
  /** Image files decoded at the same time; default 4 × the available cores. */
  concurrency?: number;
}

/** A prepared image set and the record of how it was made. */
export interface PreparedDataset {
  /** Images [n, size, size, channels] in [0, 1]. */
  images: ImageBatch;
  /** The spec the set was prepared from, e.g. 'patches:/path'. */
  source: string;
  /** Per image, the index into `groupNames` of its source photograph (patch sets), for group-disjoint splits. */
  groups?: Int32Array;
  /** Names of the groups (e.g. photo file names relative to the folder). */
  groupNames?: string[];
  /** Preprocessing record; the JSON sidecar of a cached set stores it. */
  meta: Record<string, unknown>;
}

/** A loader for one spec scheme. */
export interface DataSource {
  /** Scheme before the first ':' of a spec, e.g. 'folder'. */
  scheme: string;
  /** One line for help text, including what the location means. */
  description: string;
  /** Loads the set at `location` (the spec after the scheme's ':'). */
  load(location: string, options: PrepareOptions): Promise<PreparedDataset>;
  /**
   * Returns a string that changes when the data at `location` changes (e.g. file sizes and times), for
   * cache keys. Without it the cache key uses `location` as given, so the source must be deterministic.
   */
  fingerprint?(location: string): Promise<string>;
}

/** Registry of data sources keyed by scheme. */
export const dataSourceRegistry = new Registry<DataSource>('data source');

/** Adds `source` under its scheme; a scheme that is already registered is an error. */
export function registerDataSource(source: DataSource): void {
  dataSourceRegistry.register(source.scheme, source);
}

/** Splits a spec 'scheme:location' at its first ':'; a spec without a scheme is an error that lists the schemes. */
export function parseDataSpec(spec: string): { scheme: string; location: string } {
  const colon = spec.indexOf(':');
  if (colon <= 0) {
    throw new Error(
      `Data source "${spec}" has no scheme: write SCHEME:LOCATION, e.g. folder:photos/. Known schemes: ${dataSourceRegistry.names().join(', ')}.`,
    );
  }
  return { scheme: spec.slice(0, colon), location: spec.slice(colon + 1) };
}
