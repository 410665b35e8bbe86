/**
 * prepareDataset: resolves a spec through the data-source registry, loads the set, removes
 * near-duplicates when asked, rounds values to 8 bits for uint8 storage, and reads or writes the cache.
 *
 * Cache: with `cacheDir`, the set is stored as `SCHEME-KEY.npy` plus its sidecar, where KEY hashes the
 * spec, the options and the source's fingerprint (file sizes and times). A later call with the same
 * inputs reads the cache after checking its content hash. Nothing is written when preparation fails.
 */

import { createHash } from 'node:crypto';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createLogger, startProgress } from '@gahb/core';
import { dataSourceRegistry, parseDataSpec, registerDataSource, type PrepareOptions, type PreparedDataset } from './data-source';
import { loadDataset, quantizeToUint8Levels, readSidecar, saveDataset, type DatasetStorage } from './dataset-file';
import { findNearDuplicates } from './dedupe';
import { selectImages } from './splits';
import { celebaSource } from './sources/celeba';
import { folderSource } from './sources/folder';
import { npySource } from './sources/npy';
import { patchesSource } from './sources/patches';

const logger = createLogger('datasets');

/** Version of the preparation steps; part of the cache key, so a change here invalidates old caches. */
const PREPARATION_VERSION = 1;

for (const source of [folderSource, celebaSource, npySource, patchesSource]) {
  if (!dataSourceRegistry.has(source.scheme)) {
    registerDataSource(source);
  }
}

/** Options of {@link prepareDataset}: the source options, plus caching and storage. */
export interface PrepareDatasetOptions extends PrepareOptions {
  /** Folder of cached prepared sets; no caching when absent. */
  cacheDir?: string;
  /** 'uint8' (default: values rounded to multiples of 1/255, 1 byte per value on disk) or 'float32' (exact). */
  storage?: DatasetStorage;
}

/** Options that change the prepared values, in a fixed order, for the cache key and the record. */
function recordedOptions(options: PrepareDatasetOptions): Record<string, unknown> {
  const { cacheDir: _cacheDir, concurrency: _concurrency, ...rest } = options;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Prepares the set named by `spec` ('folder:DIR', 'celeba:DIR', 'npy:FILE', 'patches:DIR', 'patches:',
 * 'synthetic:NAME' once registered, or any registered scheme). See the file header for caching.
 */
export async function prepareDataset(spec: string, options: PrepareDatasetOptions = {}): Promise<PreparedDataset> {
  const { scheme, location } = parseDataSpec(spec);
  const source = dataSourceRegistry.get(scheme);
  const storage = options.storage ?? 'uint8';
  if (storage !== 'uint8' && storage !== 'float32') {
    throw new Error(`Storage "${String(storage)}" is invalid: use "uint8" or "float32".`);
  }
  const threshold = options.dedupeThreshold ?? 0.95;
  const recorded = recordedOptions(options);

  // 1. Look up the cache.
  let cachePath: string | null = null;
  let cacheKey: string | null = null;
  if (options.cacheDir !== undefined) {
    // Checked before loading, which can take hours, so that a wrong --cache-dir fails at once.
    const cacheInfo = await stat(options.cacheDir).catch(() => null);
    if (cacheInfo !== null && !cacheInfo.isDirectory()) {
      throw new Error(`Cache folder "${options.cacheDir}" is a file: give a folder (it is created when missing).`);
    }
    const fingerprint = source.fingerprint === undefined ? location : await source.fingerprint(location);
    cacheKey = createHash('sha256')
      .update(JSON.stringify({ version: PREPARATION_VERSION, scheme, location, fingerprint, options: recorded }))
      .digest('hex');
    cachePath = path.join(options.cacheDir, `${scheme}-${cacheKey.slice(0, 20)}.npy`);
    const cached = await readCache(cachePath, cacheKey);
    if (cached !== null) {
      logger.info({ cache: cachePath, count: cached.images.shape[0] }, `Read prepared set ${spec} from the cache.`);
      return cached;
    }
  }

  // 2. Load from the source.
  let dataset = await source.load(location, options);
  const loadedCount = dataset.images.shape[0];

  // 3. Remove near-duplicates.
  let dedupeRecord: Record<string, unknown> | null = null;
  if (options.dedupe) {
    const progress = startProgress({ label: 'Removing near-duplicates', total: loadedCount, unit: 'images', logger });
    let reported = 0;
    const result = await findNearDuplicates(dataset.images, {
      threshold,
      signed: options.dedupeSigned ?? false,
      onProgress: (done) => {
        progress.tick(done - reported);
        reported = done;
      },
    });
    progress.done({ removed: result.removed.length });
    dataset = keepImages(dataset, result.keep);
    dedupeRecord = {
      threshold,
      similarity: options.dedupeSigned ? 'signed mean-removed cosine' : 'absolute mean-removed cosine',
      poolSize: 20,
      removed: result.removed.length,
      removedIndices: Array.from(result.removed),
      duplicateOf: Array.from(result.duplicateOf),
    };
  }

  // 4. Round to the stored precision, so that a fresh set equals its cached copy.
  if (storage === 'uint8') {
    quantizeToUint8Levels(dataset.images.data);
  }
  dataset.meta = {
    ...dataset.meta,
    spec,
    count: dataset.images.shape[0],
    loadedCount,
    options: recorded,
    dedupe: dedupeRecord,
    storage,
    ...(cacheKey === null ? {} : { cacheKey }),
  };

  // 5. Write the cache.
  if (cachePath !== null && options.cacheDir !== undefined) {
    await mkdir(options.cacheDir, { recursive: true });
    const sidecar = await saveDataset(cachePath, dataset, storage);
    dataset.meta.contentHash = sidecar.contentHash;
    logger.info({ cache: cachePath, count: sidecar.count }, `Cached prepared set ${spec}.`);
  }
  return dataset;
}

/** Returns the cached set at `cachePath` if it exists, has the same key and passes its content check. */
async function readCache(cachePath: string, cacheKey: string): Promise<PreparedDataset | null> {
  try {
    await access(cachePath);
  } catch {
    return null;
  }
  try {
    const sidecar = await readSidecar(cachePath);
    if (sidecar === null || sidecar.meta.cacheKey !== cacheKey) {
      return null;
    }
    return await loadDataset(cachePath);
  } catch (error) {
    logger.warn({ cache: cachePath, error: (error as Error).message }, 'Ignoring an unreadable cached set; preparing it again.');
    return null;
  }
}

/** Returns `dataset` restricted to the images at `keep`, with their groups and file names. */
function keepImages(dataset: PreparedDataset, keep: Int32Array): PreparedDataset {
  if (keep.length === dataset.images.shape[0]) {
    return dataset;
  }
  const result: PreparedDataset = { ...dataset, images: selectImages(dataset.images, keep), meta: { ...dataset.meta } };
  const files = dataset.meta.files;
  if (Array.isArray(files) && files.length === dataset.images.shape[0]) {
    result.meta.files = Array.from(keep, (index) => files[index] as unknown);
  }
  if (dataset.groups !== undefined) {
    result.groups = Int32Array.from(keep, (index) => (dataset.groups as Int32Array)[index]);
  }
  return result;
}
