/**
 * Training pools on disk: `data/KEY/images.npy`, a uint8 `.npy` array [n, height, width, channels] of
 * round(255 · x) clipped to 0..255, the storage @gahb/datasets uses for its cache. So pool images are
 * quantised to multiples of 1/255. A pool is written chunk by chunk as it is generated and read back by
 * rows, so that no step keeps a whole pool as float32. As float32, 200,000 images of 80x80 take 5.1 GB,
 * more than the 4 GiB that one ArrayBuffer may have in Node 20 (buffer.constants.MAX_LENGTH).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { imageBatchFromData, openNpy, writeChunksAtomic, type ImageBatch } from '@gahb/core';

/** Size in bytes of the uint8 values of one chunk when a pool is written or read in parts (2,621 images of 80x80). */
export const POOL_CHUNK_BYTES = 16 * 1024 * 1024;

/** Returns the number of images of `imageSize` values that fit in one chunk (at least 1). */
export function poolChunkRows(imageSize: number): number {
  return Math.max(1, Math.floor(POOL_CHUNK_BYTES / imageSize));
}

/** Returns `values` as uint8: round(255 · x), clipped to 0..255. */
export function quantizeToUint8(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) {
    bytes[k] = Math.min(255, Math.max(0, Math.round(values[k] * 255)));
  }
  return bytes;
}

/**
 * Returns the preamble and header of a version 1.0 `.npy` file of uint8 values with `shape` (rank ≥ 2).
 * These are the magic string, the version, the uint16 header length and the header dict. The dict is
 * padded with spaces and ended by "\n" so that the data starts at a multiple of 64 bytes, as NumPy writes it.
 */
export function uint8NpyHeader(shape: readonly number[]): Uint8Array {
  const dictionary = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const preambleLength = 10;
  const totalLength = Math.ceil((preambleLength + dictionary.length + 1) / 64) * 64;
  const bytes = new Uint8Array(totalLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(bytes.buffer).setUint16(8, totalLength - preambleLength, true);
  const text = dictionary.padEnd(totalLength - preambleLength - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) {
    bytes[preambleLength + i] = text.charCodeAt(i);
  }
  return bytes;
}

/**
 * Writes a pool of `count` images of shape `imageShape` ([height, width, channels]) to `target` as uint8
 * `.npy`. `readChunk(start, end)` returns images [start, end) as float32 values, for `chunkRows` images
 * at a time (default: {@link POOL_CHUNK_BYTES} of uint8 values). The file is written
 * to a temporary file beside `target`, fsynced and renamed over it, so a crash leaves no partial pool.
 * Creates the parent folder.
 */
export async function writePoolNpy(
  target: string,
  count: number,
  imageShape: readonly [number, number, number],
  readChunk: (start: number, end: number) => Float32Array | Promise<Float32Array>,
  chunkRows = poolChunkRows(imageShape[0] * imageShape[1] * imageShape[2]),
): Promise<void> {
  const imageSize = imageShape[0] * imageShape[1] * imageShape[2];
  if (!(Number.isSafeInteger(chunkRows) && chunkRows > 0)) {
    throw new Error(`writePoolNpy: chunkRows ${chunkRows} is invalid; use an integer > 0.`);
  }
  await mkdir(path.dirname(target), { recursive: true });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield uint8NpyHeader([count, ...imageShape]);
    for (let start = 0; start < count; start += chunkRows) {
      const end = Math.min(count, start + chunkRows);
      const values = await readChunk(start, end);
      if (values.length !== (end - start) * imageSize) {
        throw new Error(`readChunk returned ${values.length} values for images [${start}, ${end}), expected ${(end - start) * imageSize}`);
      }
      yield quantizeToUint8(values);
    }
  }
  try {
    await writeChunksAtomic(target, chunks());
  } catch (error) {
    // writeChunksAtomic names the file in its message, so the reason is taken from the error that stopped it.
    const stopped = (error as { cause?: unknown }).cause ?? error;
    const reason = stopped instanceof Error ? stopped.message : String(stopped);
    throw new Error(`Writing the pool "${target}" failed: ${reason}`, { cause: error });
  }
}

/** Copies pool values into `target` at `offset` as float32: uint8 values are divided by 255, float32 ones kept. */
function copyAsFloat32(source: Uint8Array | Float32Array, target: Float32Array, offset: number): void {
  if (source instanceof Float32Array) {
    target.set(source, offset);
    return;
  }
  for (let k = 0; k < source.length; k++) {
    target[offset + k] = source[k] / 255;
  }
}

/**
 * Reads the pool images at `indices` (in that order) from the pool file `poolPath` as float32. Runs of
 * consecutive indices are read together, at most one chunk ({@link POOL_CHUNK_BYTES}) at a time. Pools
 * written before uint8 storage (float32 `.npy`) are read as they are.
 */
export async function readPoolImages(poolPath: string, indices: ArrayLike<number>): Promise<ImageBatch> {
  const reader = await openNpy(poolPath);
  try {
    const { dtype, shape } = reader.header;
    if ((dtype !== 'uint8' && dtype !== 'float32') || shape.length !== 4) {
      throw new Error(`${poolPath} contains ${dtype} values of shape [${shape.join(', ')}]: expected uint8 or float32 [n, height, width, channels].`);
    }
    const imageSize = shape[1] * shape[2] * shape[3];
    const values = new Float32Array(indices.length * imageSize);
    const chunkRows = poolChunkRows(imageSize);
    for (let k = 0; k < indices.length; ) {
      let runEnd = k + 1;
      while (runEnd < indices.length && runEnd - k < chunkRows && indices[runEnd] === indices[runEnd - 1] + 1) runEnd++;
      const rows = await reader.readRows(indices[k], indices[k] + (runEnd - k));
      copyAsFloat32(rows.data as Uint8Array | Float32Array, values, k * imageSize);
      k = runEnd;
    }
    return imageBatchFromData(values, [indices.length, shape[1], shape[2], shape[3]]);
  } finally {
    await reader.close();
  }
}
