import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, openNpy, parseNpy, readNpy, readNpyHeader, readNpyRows, writeNpy } from './npy';
import { formatNpyHeader, parsePythonLiteral, type NpyArray, type NpyDtype } from './npy-header';

const fixtures = join(__dirname, '..', 'test', 'fixtures');
let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gahb-npy-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Returns an array of `dtype` and `shape` whose values follow a formula that differs per element. */
function makeArray(dtype: NpyDtype, shape: number[]): NpyArray {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const values = Array.from({ length: size }, (_, i) => i);
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: Float32Array.from(values, (i) => i * 0.37 - 5.5) };
    case 'float64':
      return { dtype, shape, data: Float64Array.from(values, (i) => Math.sin(i) * 1e10 + 1 / 3) };
    case 'uint8':
      return { dtype, shape, data: Uint8Array.from(values, (i) => (i * 37) % 256) };
    case 'int32':
      return { dtype, shape, data: Int32Array.from(values, (i) => (i % 2 === 0 ? 1 : -1) * i * 65537) };
  }
}

describe('npy round trip', () => {
  const dtypes: NpyDtype[] = ['float32', 'float64', 'uint8', 'int32'];
  const shapes = [[], [0], [1], [7], [3, 5], [2, 3, 4], [2, 1, 3, 2, 2], [0, 4]];

  for (const dtype of dtypes) {
    test.each(shapes.map((shape) => [JSON.stringify(shape), shape] as const))(`${dtype} shape %s`, async (_, shape) => {
      const array = makeArray(dtype, shape);
      const path = join(folder, 'array.npy');
      await writeNpy(path, array);

      const read = await readNpy(path);
      expect(read.dtype).toBe(dtype);
      expect(read.shape).toEqual(shape);
      expect(read.data.constructor).toBe(array.data.constructor);
      expect(Array.from(read.data)).toEqual(Array.from(array.data));

      const parsed = parseNpy(encodeNpy(array));
      expect(Array.from(parsed.data)).toEqual(Array.from(array.data));
      expect(parsed.shape).toEqual(shape);
    });
  }

  test('data starts at multiple of 64', () => {
    for (const shape of [[], [3], [123456, 7, 8, 9]]) {
      const bytes = encodeNpy(makeArray('uint8', shape.length === 4 ? [0, 7, 8, 9] : shape));
      const headerLength = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLength) % 64).toBe(0);
    }
  });

  test('large header uses version 2.0', async () => {
    // A rank-25000 shape of ones makes a header text of about 3 * 25000 = 75000 bytes, over 65535.
    const shape = new Array<number>(25000).fill(1);
    const header = formatNpyHeader('float32', shape);
    expect(header[6]).toBe(2);
    expect(header.length % 64).toBe(0);

    const path = join(folder, 'wide.npy');
    await writeNpy(path, { dtype: 'float32', shape, data: new Float32Array([4.5]) });
    const read = await readNpy(path);
    expect(read.shape.length).toBe(25000);
    expect(read.data[0]).toBe(4.5);
    expect((await readNpyHeader(path)).version).toBe('2.0');
  });

  test('writes from subarray view', async () => {
    const whole = Float32Array.from([1, 2, 3, 4, 5]);
    const path = join(folder, 'view.npy');
    await writeNpy(path, { dtype: 'float32', shape: [3], data: whole.subarray(1, 4) });
    expect(Array.from((await readNpy(path)).data)).toEqual([2, 3, 4]);
  });

  test('writeNpy leaves no temporary files', async () => {
    await writeNpy(join(folder, 'a.npy'), makeArray('int32', [4]));
    expect(await readdir(folder)).toEqual(['a.npy']);
  });
});

describe('npy files written by numpy', () => {
  test('float32 rank 3 values', async () => {
    const array = await readNpy(join(fixtures, 'numpy-float32-2x3x4.npy'));
    expect(array.dtype).toBe('float32');
    expect(array.shape).toEqual([2, 3, 4]);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(i * 100 + j * 10 + k + 0.25);
    expect(Array.from(array.data)).toEqual(expected);
  });

  test('float64 values', async () => {
    const array = await readNpy(join(fixtures, 'numpy-float64-5.npy'));
    expect(array.dtype).toBe('float64');
    expect(array.shape).toEqual([5]);
    // 1 / (n + 1) computed in double precision by numpy and here gives identical bits.
    expect(Array.from(array.data)).toEqual([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
  });

  test('uint8 values', async () => {
    const array = await readNpy(join(fixtures, 'numpy-uint8-4x4.npy'));
    expect(array.dtype).toBe('uint8');
    expect(array.shape).toEqual([4, 4]);
    expect(Array.from(array.data)).toEqual(Array.from({ length: 16 }, (_, n) => n * 17));
  });

  test('int32 values', async () => {
    const array = await readNpy(join(fixtures, 'numpy-int32-3x2.npy'));
    expect(array.dtype).toBe('int32');
    expect(array.shape).toEqual([3, 2]);
    expect(Array.from(array.data)).toEqual(Array.from({ length: 6 }, (_, n) => (-1) ** n * n * 1000003));
  });

  test('rank 0 scalar', async () => {
    const array = await readNpy(join(fixtures, 'numpy-float32-scalar.npy'));
    expect(array.shape).toEqual([]);
    expect(Array.from(array.data)).toEqual([-1.5]);
  });

  test('version 2.0 header', async () => {
    const path = join(fixtures, 'numpy-v2-int32-3.npy');
    expect((await readNpyHeader(path)).version).toBe('2.0');
    expect(Array.from((await readNpy(path)).data)).toEqual([7, -8, 9]);
  });

  test('encodeNpy matches numpy bytes', async () => {
    // Version 1.0 files of numpy and gahb are byte-identical: same header text, padding and data.
    for (const name of ['numpy-float32-2x3x4.npy', 'numpy-float64-5.npy', 'numpy-uint8-4x4.npy', 'numpy-int32-3x2.npy', 'numpy-float32-scalar.npy']) {
      const bytes = new Uint8Array(await readFile(join(fixtures, name)));
      expect(Buffer.from(encodeNpy(parseNpy(bytes, name))).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});

describe('readNpyHeader and readNpyRows', () => {
  test('header of numpy file', async () => {
    const header = await readNpyHeader(join(fixtures, 'numpy-float32-2x3x4.npy'));
    expect(header).toEqual({ version: '1.0', dtype: 'float32', shape: [2, 3, 4], dataOffset: 128, dataByteLength: 96 });
  });

  test('row range matches whole read', async () => {
    const array = makeArray('float64', [10, 3, 2]);
    const path = join(folder, 'rows.npy');
    await writeNpy(path, array);

    for (const [start, end] of [[0, 10], [0, 1], [3, 7], [9, 10], [5, 5]]) {
      const rows = await readNpyRows(path, start, end);
      expect(rows.shape).toEqual([end - start, 3, 2]);
      expect(Array.from(rows.data)).toEqual(Array.from(array.data.subarray(start * 6, end * 6)));
    }
  });

  test('openNpy reads several ranges', async () => {
    const array = makeArray('uint8', [6, 5]);
    const path = join(folder, 'parts.npy');
    await writeNpy(path, array);

    const reader = await openNpy(path);
    expect(reader.header.shape).toEqual([6, 5]);
    const parts = [await reader.readRows(4, 6), await reader.readRows(0, 4)];
    expect(Array.from(parts[1].data)).toEqual(Array.from(array.data.subarray(0, 20)));
    expect(Array.from(parts[0].data)).toEqual(Array.from(array.data.subarray(20, 30)));
    await reader.close();
    await expect(reader.readRows(0, 1)).rejects.toThrow(`"${path}" is closed`);
  });

  test('invalid row range is an error', async () => {
    const path = join(folder, 'rows.npy');
    await writeNpy(path, makeArray('uint8', [4, 2]));
    await expect(readNpyRows(path, 2, 5)).rejects.toThrow('row range [2, 5) is invalid');
    await expect(readNpyRows(path, 3, 2)).rejects.toThrow('use 0 <= start <= end <= 4');
    await expect(readNpyRows(path, 0.5, 2)).rejects.toThrow('row range [0.5, 2) is invalid');
  });

  test('scalar has no rows', async () => {
    await expect(readNpyRows(join(fixtures, 'numpy-float32-scalar.npy'), 0, 1)).rejects.toThrow('has no rows');
    await expect(openNpy(join(fixtures, 'numpy-float32-scalar.npy'))).rejects.toThrow('openNpy: ');
  });
});

describe('npy errors', () => {
  test('Fortran order names file', async () => {
    const path = join(fixtures, 'numpy-fortran-2x3.npy');
    await expect(readNpy(path)).rejects.toThrow(`"${path}" stores a Fortran-ordered array of shape (2, 3)`);
  });

  test('Fortran order of vector accepted', () => {
    // Fortran and C order are the same layout for rank 1, so such files are read.
    const bytes = encodeNpy(makeArray('int32', [3]));
    const text = new TextDecoder('latin1').decode(bytes).replace("'fortran_order': False", "'fortran_order': True ");
    const edited = Uint8Array.from(text, (character) => character.charCodeAt(0));
    expect(Array.from(parseNpy(edited).data)).toEqual([0, -65537, 131074]);
  });

  test('big-endian dtype names fix', async () => {
    await expect(readNpy(join(fixtures, 'numpy-big-endian.npy'))).rejects.toThrow("stores big-endian values (dtype '>f4'); convert it with array.astype('<f4')");
  });

  test('object array is rejected', async () => {
    await expect(readNpy(join(fixtures, 'numpy-object.npy'))).rejects.toThrow("stores an object array (dtype '|O')");
  });

  test('unsupported dtype lists supported ones', async () => {
    const path = join(fixtures, 'numpy-int8.npy');
    await expect(readNpy(path)).rejects.toThrow(`"${path}" has dtype '|i1', which is not supported; supported dtypes are <f4 (float32), <f8 (float64), |u1 (uint8), <i4 (int32)`);
  });

  test('truncated data names sizes', async () => {
    const bytes = await readFile(join(fixtures, 'numpy-float32-2x3x4.npy'));
    const path = join(folder, 'truncated.npy');
    await writeFile(path, bytes.subarray(0, bytes.length - 5));
    await expect(readNpy(path)).rejects.toThrow(`"${path}" is truncated: shape (2, 3, 4) of float32 needs 96 bytes of data but the file has 91.`);
    await expect(readNpyRows(path, 0, 1)).rejects.toThrow('is truncated');
    expect(() => parseNpy(bytes.subarray(0, 100), 'cut.npy')).toThrow('cut.npy is truncated');
  });

  test('truncated header', async () => {
    const bytes = await readFile(join(fixtures, 'numpy-float32-2x3x4.npy'));
    const path = join(folder, 'header-cut.npy');
    await writeFile(path, bytes.subarray(0, 40));
    await expect(readNpy(path)).rejects.toThrow(`"${path}" is truncated: the .npy header needs 128 bytes but the file has 40.`);
    await writeFile(path, bytes.subarray(0, 8));
    await expect(readNpy(path)).rejects.toThrow('ends inside the .npy preamble');
  });

  test('bad magic', async () => {
    const path = join(folder, 'image.npy');
    await writeFile(path, Buffer.from('\x89PNG\r\n\x1a\n0000000000'));
    await expect(readNpy(path)).rejects.toThrow(`"${path}" is not a .npy file`);
    await writeFile(path, '');
    await expect(readNpyHeader(path)).rejects.toThrow('is not a .npy file');
  });

  test('unknown version', () => {
    const bytes = encodeNpy(makeArray('uint8', [2]));
    bytes[6] = 4;
    expect(() => parseNpy(bytes, 'v4.npy')).toThrow('v4.npy has .npy format version 4.0; supported versions are 1.0, 2.0 and 3.0.');
  });

  test('bad header text', () => {
    const bytes = encodeNpy(makeArray('uint8', [2]));
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    const cases: Array<[string, string]> = [
      ["{'descr': '|u1', 'fortran_order': False, 'shape': (2,) ", 'invalid .npy header'],
      ["{'descr': '|u1', 'fortran_order': False}", "expected a dict with keys 'descr', 'fortran_order' and 'shape'"],
      ["{'descr': '|u1', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order' is 0, not True or False"],
      ["{'descr': '|u1', 'fortran_order': False, 'shape': (-2,)}", "'shape' is [-2], not a tuple of non-negative integers"],
      ["{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,)}", 'stores a structured array'],
    ];
    for (const [text, message] of cases) {
      const edited = bytes.slice();
      const padded = text.padEnd(headerLength - 1, ' ') + '\n';
      for (let i = 0; i < padded.length; i++) edited[10 + i] = padded.charCodeAt(i);
      expect(() => parseNpy(edited, 'edited.npy')).toThrow(message);
    }
  });

  test('missing file names path', async () => {
    const path = join(folder, 'absent.npy');
    await expect(readNpy(path)).rejects.toThrow(`Cannot open .npy file "${path}"`);
  });

  test('folder path names file', async () => {
    await expect(readNpy(folder)).rejects.toThrow(`Cannot read .npy file "${folder}": it is a folder`);
    await expect(readNpyHeader(folder)).rejects.toThrow('it is a folder');
  });

  test('unallocatable array names file', async () => {
    // A sparse file passes the size check without using disk space; 2^33 float32 values exceed any typed array.
    const path = join(folder, 'sparse.npy');
    const header = formatNpyHeader('float32', [2 ** 33]);
    await writeFile(path, header);
    await truncate(path, header.length + 4 * 2 ** 33);
    await expect(readNpy(path)).rejects.toThrow(`"${path}": rows [0, 8589934592) of shape (8589934592) need 34359738368 bytes`);
    expect((await readNpyRows(path, 0, 2)).data).toEqual(new Float32Array(2));
  });

  test('__proto__ header key is rejected', () => {
    const inherited = "{'__proto__': {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}}";
    const header = new TextEncoder().encode(inherited.padEnd(117, ' ') + '\n');
    const bytes = new Uint8Array(10 + header.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(bytes.buffer).setUint16(8, header.length, true);
    bytes.set(header, 10);
    expect(() => parseNpy(bytes, 'inherited.npy')).toThrow("expected a dict with keys 'descr', 'fortran_order' and 'shape'");
  });

  test('encodeNpy rejects mismatched data', () => {
    expect(() => encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) })).toThrow('shape [2, 2] needs 4 values but the data has 3');
    expect(() => encodeNpy({ dtype: 'float32', shape: [2], data: new Float64Array(2) })).toThrow('dtype float32 needs a Float32Array, got Float64Array');
    expect(() => encodeNpy({ dtype: 'int16' as NpyDtype, shape: [2], data: new Int32Array(2) })).toThrow('dtype "int16" is not supported');
    expect(() => encodeNpy({ dtype: 'uint8', shape: [-1], data: new Uint8Array(0) })).toThrow('shape [-1] is invalid');
  });
});

describe('parsePythonLiteral', () => {
  test('header syntax variants', () => {
    expect(parsePythonLiteral("{'a': (1, 2L,), \"b\": [True, None], 'c': ()}")).toEqual({ a: [1, 2], b: [true, null], c: [] });
    expect(parsePythonLiteral('  {}  ')).toEqual({});
  });

  test('trailing text is an error', () => {
    expect(() => parsePythonLiteral('{} x')).toThrow('expected end of header at character 3');
  });
});
