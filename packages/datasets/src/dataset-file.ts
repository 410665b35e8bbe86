/**
 * Prepared sets on disk. The images are a `.npy` array [n, height, width, channels], uint8 0..255 by
 * default, so 10^5 80x80 grayscale images take 640 MB instead of 2.5 GB as float32. A JSON sidecar
 * (`NAME.json` beside `NAME.npy`) stores the source, the preprocessing record, the groups and a SHA-256
 * hash of the stored values. Both files are written atomically, the array first.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  imageBatchFromData,
  readNpy,
  writeJsonAtomic,
  writeNpy,
  type NpyArray,
} from '@gahb/core';
import type { PreparedDataset } from './data-source';

/** Storage type of image values: 'uint8' = round(255 · x) clipped to 0..255, 'float32' = exact. */
export type DatasetStorage = 'uint8' | 'float32';

/** Sidecar format name and version, checked when reading. */
export const SIDECAR_FORMAT = 'gahb-prepared-dataset';
export const SIDECAR_VERSION = 1;

/** Contents of the JSON sidecar of a prepared set. */
export interface DatasetSidecar {
  format: typeof SIDECAR_FORMAT;
  version: number;
  source: string;
  count: number;
  /** [n, height, width, channels]. */
  shape: number[];
  storage: DatasetStorage;
  /** 'sha256:' and the hex SHA-256 of the stored values' bytes. */
  contentHash: string;
  groups?: number[];
  groupNames?: string[];
  meta: Record<string, unknown>;
}

/** Path of the sidecar of `npyPath`: 'faces.npy' -> 'faces.json'. */
export function sidecarPath(npyPath: string): string {
  return npyPath.toLowerCase().endsWith('.npy') ? `${npyPath.slice(0, -4)}.json` : `${npyPath}.json`;
}

/** Rounds values in place to multiples of 1/255 clipped to [0, 1], as uint8 storage keeps them. */
export function quantizeToUint8Levels(values: Float32Array): void {
  for (let k = 0; k < values.length; k++) {
    values[k] = Math.min(255, Math.max(0, Math.round(values[k] * 255))) / 255;
  }
}

/** Returns 'sha256:<hex>' of the bytes of `data`. */
export function hashStoredValues(data: Uint8Array | Float32Array, pieceBytes = 1 << 30): string {
  // Node's hash update rejects inputs of 2^31 bytes or more ("data is too long"), so large sets are hashed
  // in pieces of `pieceBytes`; the digest is the same as for one update.
  const hash = createHash('sha256');
  for (let start = 0; start < data.byteLength; start += pieceBytes) {
    const length = Math.min(pieceBytes, data.byteLength - start);
    hash.update(new Uint8Array(data.buffer, data.byteOffset + start, length));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Writes `dataset` to `npyPath` and its sidecar. With 'uint8' storage, values are rounded to 0..255. */
export async function saveDataset(npyPath: string, dataset: PreparedDataset, storage: DatasetStorage = 'uint8'): Promise<DatasetSidecar> {
  const shape = [...dataset.images.shape];
  const values = dataset.images.data;
  let array: NpyArray;
  if (storage === 'uint8') {
    const bytes = new Uint8Array(values.length);
    for (let k = 0; k < values.length; k++) {
      bytes[k] = Math.min(255, Math.max(0, Math.round(values[k] * 255)));
    }
    array = { dtype: 'uint8', shape, data: bytes };
  } else if (storage === 'float32') {
    array = { dtype: 'float32', shape, data: values };
  } else {
    throw new Error(`Storage "${String(storage)}" is invalid: use "uint8" or "float32".`);
  }

  const sidecar: DatasetSidecar = {
    format: SIDECAR_FORMAT,
    version: SIDECAR_VERSION,
    source: dataset.source,
    count: shape[0],
    shape,
    storage,
    contentHash: hashStoredValues(array.data as Uint8Array | Float32Array),
    meta: dataset.meta,
  };
  if (dataset.groups !== undefined) {
    sidecar.groups = Array.from(dataset.groups);
    sidecar.groupNames = dataset.groupNames ?? [];
  }

  await writeNpy(npyPath, array);
  await writeJsonAtomic(sidecarPath(npyPath), sidecar);
  return sidecar;
}

/** Reads and checks the sidecar of `npyPath`; returns null when there is none. */
export async function readSidecar(npyPath: string): Promise<DatasetSidecar | null> {
  const jsonPath = sidecarPath(npyPath);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
  let sidecar: DatasetSidecar;
  try {
    sidecar = JSON.parse(text) as DatasetSidecar;
  } catch (error) {
    throw new Error(`Sidecar "${jsonPath}" is not valid JSON: delete it or prepare the set again.`, { cause: error });
  }
  if (sidecar.format !== SIDECAR_FORMAT || sidecar.version !== SIDECAR_VERSION) {
    throw new Error(
      `"${jsonPath}" is not a gahb dataset sidecar of version ${SIDECAR_VERSION} (format "${String(sidecar.format)}", ` +
        `version ${String(sidecar.version)}): prepare the set again.`,
    );
  }
  return sidecar;
}

/**
 * Reads a prepared set written by {@link saveDataset} and checks its content hash. A file whose values
 * do not match the sidecar's hash is an error (the set was changed or the write was incomplete).
 */
export async function loadDataset(npyPath: string): Promise<PreparedDataset> {
  const sidecar = await readSidecar(npyPath);
  if (sidecar === null) {
    throw new Error(`"${npyPath}" has no sidecar "${sidecarPath(npyPath)}": load it as npy:${npyPath} instead.`);
  }
  const array = await readNpy(npyPath);
  if (array.dtype !== sidecar.storage || array.shape.join(',') !== sidecar.shape.join(',')) {
    throw new Error(
      `"${npyPath}" contains ${array.dtype} [${array.shape.join(', ')}] but its sidecar records ${sidecar.storage} ` +
        `[${sidecar.shape.join(', ')}]: prepare the set again.`,
    );
  }
  const hash = hashStoredValues(array.data as Uint8Array | Float32Array);
  if (hash !== sidecar.contentHash) {
    throw new Error(`"${npyPath}" does not match the content hash in its sidecar: the file was changed; prepare the set again.`);
  }

  let values: Float32Array;
  if (array.dtype === 'uint8') {
    values = new Float32Array(array.data.length);
    for (let k = 0; k < values.length; k++) {
      values[k] = array.data[k] / 255;
    }
  } else {
    values = array.data as Float32Array;
  }

  const dataset: PreparedDataset = {
    images: imageBatchFromData(values, sidecar.shape),
    source: sidecar.source,
    meta: { ...sidecar.meta, contentHash: sidecar.contentHash },
  };
  if (sidecar.groups !== undefined) {
    dataset.groups = Int32Array.from(sidecar.groups);
    dataset.groupNames = sidecar.groupNames ?? [];
  }
  return dataset;
}
