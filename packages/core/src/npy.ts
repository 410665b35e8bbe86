/**
 * Reading and writing NumPy `.npy` files of float32, float64, uint8 and int32 values in C order, of any
 * rank. The header format is described in ./npy-header.ts. Files can be read whole, or by a range of rows
 * of the first dimension so that large cached data sets need not fit in memory at once.
 */
import { endianness } from 'node:os';
import { open, type FileHandle } from 'node:fs/promises';
import { writeChunksAtomic } from './atomic-write';
import {
  NPY_DTYPES,
  NPY_PREAMBLE_LENGTH,
  formatNpyHeader,
  parseNpyHeader,
  parseNpyPreamble,
  type NpyArray,
  type NpyData,
  type NpyDtype,
  type NpyHeader,
} from './npy-header';
import { errorMessage } from './error-message';

// NOTE: typed arrays use the host byte order and .npy files here are little-endian, so big-endian hosts are rejected.
function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') {
    throw new Error('Reading and writing .npy files requires a little-endian host; this host is big-endian.');
  }
}

/**
 * Parses a complete `.npy` file held in memory. The values are copied into a new typed array, so the
 * result does not share memory with `bytes`. `source` names the data in errors.
 */
export function parseNpy(bytes: Uint8Array, source = '.npy data'): NpyArray {
  assertLittleEndianHost();
  const header = parseNpyHeader(bytes, source);
  checkDataLength(header, bytes.length, source);

  const { arrayType, itemSize } = NPY_DTYPES[header.dtype];
  const data = new arrayType(header.dataByteLength / itemSize);
  new Uint8Array(data.buffer).set(bytes.subarray(header.dataOffset, header.dataOffset + header.dataByteLength));
  return { dtype: header.dtype, shape: header.shape, data };
}

/**
 * Returns the bytes of a `.npy` file (version 1.0, or 2.0 for headers over 65535 bytes) holding `array`.
 * Throws if the data's type or length does not match `dtype` and `shape`.
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const [header, data] = encodeNpyParts(array);
  const bytes = new Uint8Array(header.length + data.length);
  bytes.set(header, 0);
  bytes.set(data, header.length);
  return bytes;
}

/** Reads a whole `.npy` file. Errors name `path` and the problem (see {@link parseNpyHeader}). */
export async function readNpy(path: string): Promise<NpyArray> {
  return withFile(path, async (handle) => {
    const header = await readHeaderFrom(handle, path);
    return readRowsFrom(handle, header, 0, header.shape.length === 0 ? 1 : header.shape[0], path, header.shape);
  });
}

/** Reads only the header of a `.npy` file: dtype, shape, data offset and data size. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  return withFile(path, (handle) => readHeaderFrom(handle, path));
}

/**
 * Reads rows `[start, end)` of the first dimension of a `.npy` file of rank ≥ 1, without reading the rest
 * of the data. Returns an array of shape `[end - start, ...shape.slice(1)]`. To read many ranges of one file,
 * {@link openNpy} parses the header once.
 */
export async function readNpyRows(path: string, start: number, end: number): Promise<NpyArray> {
  const reader = await openNpy(path);
  try {
    return await reader.readRows(start, end);
  } finally {
    await reader.close();
  }
}

/** An open `.npy` file whose rows can be read in parts; see {@link openNpy}. */
export interface NpyReader {
  /** Path of the open file. */
  readonly path: string;
  readonly header: NpyHeader;
  /** Reads rows `[start, end)` of the first dimension, as {@link readNpyRows} does. */
  readRows(start: number, end: number): Promise<NpyArray>;
  /** Closes the file; later reads fail. */
  close(): Promise<void>;
}

/**
 * Opens a `.npy` file of rank ≥ 1 and parses its header, for reading row ranges of a large data set one
 * part at a time. The caller must call `close()`.
 */
export async function openNpy(path: string): Promise<NpyReader> {
  return withFile(path, async (handle) => {
    const header = await readHeaderFrom(handle, path);
    if (header.shape.length === 0) {
      throw new Error(`openNpy: "${path}" contains a scalar (shape ()), which has no rows; read it with readNpy.`);
    }
    const rows = header.shape[0];
    let closed = false;

    return {
      path,
      header,
      async readRows(start: number, end: number): Promise<NpyArray> {
        if (closed) {
          throw new Error(`readRows: "${path}" is closed; open it again with openNpy.`);
        }
        if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end <= rows)) {
          throw new Error(`readRows: row range [${start}, ${end}) is invalid for "${path}" with ${rows} rows; use 0 <= start <= end <= ${rows}.`);
        }
        return readRowsFrom(handle, header, start, end, path, [end - start, ...header.shape.slice(1)]);
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  }, { keepOpen: true });
}

/** Writes `array` to `path` as a `.npy` file, atomically (temporary file, then rename). */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeChunksAtomic(path, encodeNpyParts(array));
}

/** Returns the header bytes and a byte view of the data (no copy), after validating `array`. */
function encodeNpyParts(array: NpyArray): [Uint8Array, Uint8Array] {
  assertLittleEndianHost();
  const { dtype, shape, data } = array;
  const properties = NPY_DTYPES[dtype as NpyDtype];
  if (properties === undefined) {
    throw new Error(`encodeNpy: dtype "${dtype}" is not supported; use one of ${Object.keys(NPY_DTYPES).join(', ')}.`);
  }
  if (!shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] is invalid; use non-negative integers.`);
  }
  if (!(data instanceof properties.arrayType)) {
    throw new Error(`encodeNpy: dtype ${dtype} needs a ${properties.arrayType.name}, got ${describeData(data)}.`);
  }
  const elementCount = shape.reduce((product, dimension) => product * dimension, 1);
  if (data.length !== elementCount) {
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] needs ${elementCount} values but the data has ${data.length}.`);
  }

  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return [formatNpyHeader(dtype, shape), bytes];
}

function describeData(data: unknown): string {
  return typeof data === 'object' && data !== null ? data.constructor.name : typeof data;
}

/**
 * Opens `path` for reading and passes the handle to `work`. The file is closed afterwards, unless
 * `keepOpen` is set and `work` succeeds, in which case the result owns the handle.
 */
async function withFile<T>(path: string, work: (handle: FileHandle) => Promise<T>, { keepOpen = false } = {}): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`Cannot open .npy file "${path}": ${reason}`, { cause: error });
  }

  let succeeded = false;
  try {
    // Opening a folder for reading succeeds on Linux, and the first read then fails with EISDIR and no path.
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? 'a folder' : 'not a regular file';
      throw new Error(`Cannot read .npy file "${path}": it is ${kind}; pass the path of a .npy file.`);
    }
    const result = await work(handle);
    succeeded = true;
    return result;
  } finally {
    if (!(keepOpen && succeeded)) {
      await handle.close();
    }
  }
}

async function readHeaderFrom(handle: FileHandle, path: string): Promise<NpyHeader> {
  assertLittleEndianHost();
  const source = `"${path}"`;
  const preamble = new Uint8Array(NPY_PREAMBLE_LENGTH.v2);
  const { bytesRead } = await handle.read(preamble, 0, preamble.length, 0);
  const { dataOffset } = parseNpyPreamble(preamble.subarray(0, bytesRead), source);

  const headerBytes = new Uint8Array(dataOffset);
  const { bytesRead: headerBytesRead } = await handle.read(headerBytes, 0, dataOffset, 0);
  const header = parseNpyHeader(headerBytes.subarray(0, headerBytesRead), source);

  const { size } = await handle.stat();
  checkDataLength(header, size, source);
  return header;
}

/** Reads rows [start, end) of the first dimension straight into a new typed array of shape `shape`. */
async function readRowsFrom(
  handle: FileHandle,
  header: NpyHeader,
  start: number,
  end: number,
  path: string,
  shape: number[],
): Promise<NpyArray> {
  const { arrayType, itemSize } = NPY_DTYPES[header.dtype];
  const rowLength = header.shape.slice(1).reduce((product, dimension) => product * dimension, 1);
  let data: NpyData;
  try {
    data = new arrayType((end - start) * rowLength);
  } catch (error) {
    // V8 raises a RangeError ("Invalid typed array length", "Array buffer allocation failed") without the file.
    if ((error as { name?: unknown } | null)?.name !== 'RangeError') throw error;
    throw new Error(
      `"${path}": rows [${start}, ${end}) of shape (${header.shape.join(', ')}) need ${(end - start) * rowLength * itemSize} bytes, ` +
        `which cannot be allocated (${errorMessage(error)}); read it in parts with readNpyRows or openNpy.`,
      { cause: error },
    );
  }
  const target = new Uint8Array(data.buffer);

  // FileHandle.read may return fewer bytes than requested, and reads of 2 GiB or more fail, so read in parts.
  const partSize = 256 * 1024 * 1024;
  const fileOffset = header.dataOffset + start * rowLength * itemSize;
  for (let done = 0; done < target.length; ) {
    const length = Math.min(partSize, target.length - done);
    const { bytesRead } = await handle.read(target, done, length, fileOffset + done);
    if (bytesRead === 0) {
      throw new Error(`"${path}" is truncated: the data ended after ${fileOffset + done} bytes.`);
    }
    done += bytesRead;
  }
  return { dtype: header.dtype, shape, data };
}

function checkDataLength(header: NpyHeader, fileLength: number, source: string): void {
  const available = fileLength - header.dataOffset;
  if (available < header.dataByteLength) {
    throw new Error(
      `${source} is truncated: shape (${header.shape.join(', ')}) of ${header.dtype} needs ${header.dataByteLength} bytes of data ` +
        `but the file has ${available}.`,
    );
  }
}
