/**
 * The header of NumPy's `.npy` format, versions 1.0, 2.0 and 3.0 (specified in NumPy's `numpy.lib.format`
 * documentation). A file starts with the magic string "\x93NUMPY", a major and a minor version byte, and
 * the header length (uint16 little-endian in version 1.0, uint32 in 2.0 and 3.0). The header is a Python
 * dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, padded with spaces
 * and ended by "\n" so that the data starts at a multiple of 64 bytes. Version 3.0 only changes the header
 * encoding from latin-1 to UTF-8.
 */
import { errorMessage } from './error-message';

/** Element types gahb reads and writes, by their TypeScript typed-array names. */
export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int32';

/** Typed array that stores each {@link NpyDtype}. */
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

/** An n-dimensional array as stored in a `.npy` file, in C order (last index fastest). */
export interface NpyArray {
  dtype: NpyDtype;
  /** Dimensions, outermost first; `[]` for a scalar (rank 0). */
  shape: number[];
  /** Values in C order; its length is the product of `shape` (1 for rank 0). */
  data: NpyData;
}

/** The parsed header of a `.npy` file. */
export interface NpyHeader {
  /** Format version, "1.0", "2.0" or "3.0". */
  version: string;
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the first value in the file (preamble plus header). */
  dataOffset: number;
  /** Size of the data in bytes: element count times element size. */
  dataByteLength: number;
}

/** Per-dtype properties: the descriptor gahb writes, the element size and the typed-array constructor. */
export const NPY_DTYPES: Record<NpyDtype, { descr: string; itemSize: number; arrayType: new (length: number) => NpyData }> = {
  float32: { descr: '<f4', itemSize: 4, arrayType: Float32Array },
  float64: { descr: '<f8', itemSize: 8, arrayType: Float64Array },
  uint8: { descr: '|u1', itemSize: 1, arrayType: Uint8Array },
  int32: { descr: '<i4', itemSize: 4, arrayType: Int32Array },
};

const SUPPORTED_DESCRIPTORS = '<f4 (float32), <f8 (float64), |u1 (uint8), <i4 (int32)';
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Bytes before the header text in version 1.0 (magic, version, uint16 length) and in 2.0/3.0 (uint32 length). */
export const NPY_PREAMBLE_LENGTH = { v1: 10, v2: 12 } as const;

/** Header texts longer than this (16 MiB) are treated as corrupt rather than allocated. */
const MAX_HEADER_LENGTH = 16 * 1024 * 1024;

/** Data and headers are aligned to this many bytes, as NumPy writes them. */
const ALIGNMENT = 64;

/**
 * Reads the preamble at the start of `bytes` (at least 12 bytes, or the whole file if shorter) and returns
 * the version and the total length of preamble plus header, which is where the data starts.
 * `source` names the file in errors.
 */
export function parseNpyPreamble(bytes: Uint8Array, source: string): { major: number; minor: number; dataOffset: number } {
  const hasMagic = bytes.length >= MAGIC.length && MAGIC.every((value, i) => bytes[i] === value);
  if (!hasMagic) {
    throw new Error(`${source} is not a .npy file: it does not start with the magic string "\\x93NUMPY".`);
  }
  if (bytes.length < NPY_PREAMBLE_LENGTH.v1) {
    throw new Error(`${source} is truncated: the file ends inside the .npy preamble (${bytes.length} bytes).`);
  }

  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let preambleLength: number;
  let headerLength: number;
  if (major === 1 && minor === 0) {
    preambleLength = NPY_PREAMBLE_LENGTH.v1;
    headerLength = view.getUint16(8, true);
  } else if ((major === 2 || major === 3) && minor === 0) {
    if (bytes.length < NPY_PREAMBLE_LENGTH.v2) {
      throw new Error(`${source} is truncated: the file ends inside the .npy preamble (${bytes.length} bytes).`);
    }
    preambleLength = NPY_PREAMBLE_LENGTH.v2;
    headerLength = view.getUint32(8, true);
  } else {
    throw new Error(`${source} has .npy format version ${major}.${minor}; supported versions are 1.0, 2.0 and 3.0.`);
  }

  if (headerLength > MAX_HEADER_LENGTH) {
    throw new Error(`${source} has an invalid .npy header: its declared length ${headerLength} bytes exceeds ${MAX_HEADER_LENGTH}.`);
  }
  return { major, minor, dataOffset: preambleLength + headerLength };
}

/**
 * Parses the complete preamble and header at the start of `bytes` (which must contain at least
 * `dataOffset` bytes, see {@link parseNpyPreamble}). Rejects, with `source` in the message, Fortran-ordered
 * arrays, object arrays, structured and big-endian dtypes, and dtypes other than float32, float64, uint8
 * and int32.
 */
export function parseNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  const { major, minor, dataOffset } = parseNpyPreamble(bytes, source);
  if (bytes.length < dataOffset) {
    throw new Error(`${source} is truncated: the .npy header needs ${dataOffset} bytes but the file has ${bytes.length}.`);
  }

  const preambleLength = major === 1 ? NPY_PREAMBLE_LENGTH.v1 : NPY_PREAMBLE_LENGTH.v2;
  const encoding = major === 3 ? 'utf-8' : 'latin1';
  const text = new TextDecoder(encoding).decode(bytes.subarray(preambleLength, dataOffset));

  let dictionary: unknown;
  try {
    dictionary = parsePythonLiteral(text);
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`${source} has an invalid .npy header (${reason}): ${JSON.stringify(text.trim())}`);
  }
  if (!isPlainDictionary(dictionary) || !('descr' in dictionary) || !('fortran_order' in dictionary) || !('shape' in dictionary)) {
    throw new Error(`${source} has an invalid .npy header: expected a dict with keys 'descr', 'fortran_order' and 'shape', got ${JSON.stringify(text.trim())}.`);
  }

  const shape = parseShape(dictionary.shape, source);
  const dtype = parseDescriptor(dictionary.descr, source);
  const fortranOrder = dictionary.fortran_order;
  if (typeof fortranOrder !== 'boolean') {
    throw new Error(`${source} has an invalid .npy header: 'fortran_order' is ${JSON.stringify(fortranOrder)}, not True or False.`);
  }
  // Fortran and C order store the same bytes when at most one dimension exceeds 1.
  const dimensionsAboveOne = shape.filter((dimension) => dimension > 1).length;
  if (fortranOrder && dimensionsAboveOne > 1) {
    throw new Error(
      `${source} stores a Fortran-ordered array of shape (${shape.join(', ')}); only C order is supported. ` +
        'Save it with np.save(path, np.ascontiguousarray(array)).',
    );
  }

  const elementCount = shape.reduce((product, dimension) => product * dimension, 1);
  return {
    version: `${major}.${minor}`,
    dtype,
    shape,
    dataOffset,
    dataByteLength: elementCount * NPY_DTYPES[dtype].itemSize,
  };
}

/**
 * Returns the preamble and header for an array of `dtype` and `shape`: version 1.0, or 2.0 when the header
 * text exceeds 65535 bytes. The result's length is a multiple of 64, as NumPy writes it.
 */
export function formatNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dictionary = `{'descr': '${NPY_DTYPES[dtype].descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;

  // Pad with spaces so that preamble + dictionary + "\n" is a multiple of ALIGNMENT bytes.
  const paddedLength = (preambleLength: number) =>
    Math.ceil((preambleLength + dictionary.length + 1) / ALIGNMENT) * ALIGNMENT - preambleLength;
  let preambleLength: number = NPY_PREAMBLE_LENGTH.v1;
  let headerLength = paddedLength(preambleLength);
  if (headerLength > 0xffff) {
    preambleLength = NPY_PREAMBLE_LENGTH.v2;
    headerLength = paddedLength(preambleLength);
  }

  const bytes = new Uint8Array(preambleLength + headerLength);
  bytes.set(MAGIC, 0);
  const view = new DataView(bytes.buffer);
  if (preambleLength === NPY_PREAMBLE_LENGTH.v1) {
    bytes[6] = 1;
    view.setUint16(8, headerLength, true);
  } else {
    bytes[6] = 2;
    view.setUint32(8, headerLength, true);
  }
  bytes[7] = 0;

  // The dictionary is ASCII, so one character is one byte in latin-1.
  const text = dictionary.padEnd(headerLength - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) {
    bytes[preambleLength + i] = text.charCodeAt(i);
  }
  return bytes;
}

function isPlainDictionary(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseShape(value: unknown, source: string): number[] {
  const valid =
    Array.isArray(value) && value.every((dimension) => typeof dimension === 'number' && Number.isSafeInteger(dimension) && dimension >= 0);
  if (!valid) {
    throw new Error(`${source} has an invalid .npy header: 'shape' is ${JSON.stringify(value)}, not a tuple of non-negative integers.`);
  }
  return value as number[];
}

function parseDescriptor(descr: unknown, source: string): NpyDtype {
  if (typeof descr !== 'string') {
    throw new Error(
      `${source} stores a structured array (descr ${JSON.stringify(descr)}); only plain arrays of ${SUPPORTED_DESCRIPTORS} are supported.`,
    );
  }
  if (descr === '|O' || descr === 'O' || descr.endsWith('O')) {
    throw new Error(
      `${source} stores an object array (dtype '${descr}'), which cannot be read without running Python; ` +
        `convert it to one of ${SUPPORTED_DESCRIPTORS}.`,
    );
  }

  const byteOrder = descr[0];
  const kind = '<>|='.includes(byteOrder) ? descr.slice(1) : descr;
  const dtype = ({ f4: 'float32', f8: 'float64', u1: 'uint8', i4: 'int32' } as const)[kind as 'f4' | 'f8' | 'u1' | 'i4'];
  if (dtype === undefined) {
    throw new Error(`${source} has dtype '${descr}', which is not supported; supported dtypes are ${SUPPORTED_DESCRIPTORS}.`);
  }
  if (byteOrder === '>' && NPY_DTYPES[dtype].itemSize > 1) {
    throw new Error(
      `${source} stores big-endian values (dtype '${descr}'); convert it with array.astype('<${kind}') before saving.`,
    );
  }
  return dtype;
}

/**
 * Parses the subset of Python literal syntax that `.npy` headers use: dicts, tuples, lists, strings in
 * single or double quotes, integers, True, False and None. Tuples and lists become arrays.
 */
export function parsePythonLiteral(text: string): unknown {
  let position = 0;

  const skipSpace = () => {
    while (position < text.length && /\s/.test(text[position])) position++;
  };
  const fail = (expected: string): never => {
    const found = position < text.length ? `'${text[position]}'` : 'end of text';
    throw new Error(`expected ${expected} at character ${position}, found ${found}`);
  };
  const expect = (character: string) => {
    skipSpace();
    if (text[position] !== character) fail(`'${character}'`);
    position++;
  };

  // Parses comma-separated values up to `close`, allowing a trailing comma.
  const parseSequence = (close: string, parseItem: () => void) => {
    skipSpace();
    while (text[position] !== close) {
      parseItem();
      skipSpace();
      if (text[position] === ',') {
        position++;
        skipSpace();
      } else if (text[position] !== close) {
        fail(`',' or '${close}'`);
      }
    }
    position++;
  };

  const parseValue = (): unknown => {
    skipSpace();
    const character = text[position];
    if (character === '{') {
      position++;
      // A null prototype keeps a '__proto__' key an ordinary entry, so it cannot supply 'descr' or 'shape'.
      const dictionary: Record<string, unknown> = Object.create(null);
      parseSequence('}', () => {
        const key = parseValue();
        if (typeof key !== 'string') throw new Error(`dict key ${JSON.stringify(key)} is not a string`);
        expect(':');
        dictionary[key] = parseValue();
      });
      return dictionary;
    }

    if (character === '(' || character === '[') {
      position++;
      const items: unknown[] = [];
      parseSequence(character === '(' ? ')' : ']', () => items.push(parseValue()));
      return items;
    }

    if (character === "'" || character === '"') {
      const end = text.indexOf(character, position + 1);
      if (end < 0) fail(`closing ${character}`);
      const value = text.slice(position + 1, end);
      position = end + 1;
      return value;
    }

    const word = /^(?:-?\d+L?|True|False|None)/.exec(text.slice(position, position + 32));
    if (word === null) return fail('a value');
    position += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 wrote long integers with an "L" suffix.
    return Number.parseInt(word[0], 10);
  };

  const value = parseValue();
  skipSpace();
  if (position !== text.length) fail('end of header');
  return value;
}
