import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readNpy, readNpyHeader, readNpyRows } from '@gahb/core';
import { getGenerator } from '@gahb/synthetic-images';
import { readPoolImages, uint8NpyHeader, writePoolNpy } from './pool-file';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-pool-file-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quantize = (value: number) => Math.min(255, Math.max(0, Math.round(value * 255)));

describe('writePoolNpy', () => {
  test('chunked C^α pool reads back', async () => {
    // 10 images of 8x8 in chunks of 3 rows: chunks [0, 3), [3, 6), [6, 9) and [9, 10).
    const generator = getGenerator('c-alpha');
    const options = { size: 8, alpha: 2, beta: 2 };
    const whole = generator.generate(10, 7, options).images.data;
    const target = path.join(dir, 'pool', 'images.npy');
    const chunks: Array<[number, number]> = [];

    await writePoolNpy(
      target,
      10,
      [8, 8, 1],
      (start, end) => {
        chunks.push([start, end]);
        return generator.generate(end - start, 7, options, start).images.data;
      },
      3,
    );

    expect(chunks).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
      [9, 10],
    ]);
    const header = await readNpyHeader(target);
    expect(header.dtype).toBe('uint8');
    expect(header.shape).toEqual([10, 8, 8, 1]);
    expect(header.dataOffset % 64).toBe(0);

    const rows = await readNpyRows(target, 2, 7);
    expect(rows.shape).toEqual([5, 8, 8, 1]);
    expect(Array.from(rows.data)).toEqual(Array.from(whole.subarray(2 * 64, 7 * 64), quantize));

    const selected = await readPoolImages(target, [9, 0, 4, 5, 6]);
    expect(selected.shape).toEqual([5, 8, 8, 1]);
    const expected = [9, 0, 4, 5, 6].flatMap((index) => Array.from(whole.subarray(index * 64, (index + 1) * 64), (value) => quantize(value) / 255));
    expect(Array.from(selected.data as Float32Array)).toEqual(Array.from(Float32Array.from(expected)));
    expect(await readdir(path.dirname(target))).toEqual(['images.npy']);
  });

  test('values are clipped to 0..255', async () => {
    const target = path.join(dir, 'images.npy');
    await writePoolNpy(target, 1, [1, 4, 1], () => Float32Array.from([-0.2, 0.5, 1, 1.7]));

    const array = await readNpy(target);
    expect(Array.from(array.data)).toEqual([0, 128, 255, 255]);
  });

  test('failed chunk leaves no file', async () => {
    const target = path.join(dir, 'images.npy');
    const write = writePoolNpy(
      target,
      4,
      [1, 1, 1],
      (start) => {
        if (start > 0) throw new Error('generator failed');
        return new Float32Array(2);
      },
      2,
    );

    await expect(write).rejects.toThrow(`Writing the pool "${target}" failed: generator failed`);
    expect(await readdir(dir)).toEqual([]);
  });

  test('wrong chunk length is rejected', async () => {
    const target = path.join(dir, 'images.npy');
    const write = writePoolNpy(target, 2, [2, 2, 1], () => new Float32Array(3));

    await expect(write).rejects.toThrow('readChunk returned 3 values for images [0, 2), expected 8');
  });
});

describe('uint8NpyHeader', () => {
  test('header matches NumPy layout', async () => {
    const header = uint8NpyHeader([200_000, 80, 80, 1]);
    const text = new TextDecoder('latin1').decode(header.subarray(10));

    expect(header.length % 64).toBe(0);
    expect(text).toMatch(/^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(200000, 80, 80, 1\), \} *\n$/);
  });
});

describe('readPoolImages', () => {
  test('index outside the pool is rejected', async () => {
    const target = path.join(dir, 'images.npy');
    await writePoolNpy(target, 2, [1, 1, 1], () => new Float32Array(2));

    await expect(readPoolImages(target, [2])).rejects.toThrow('row range [2, 3) is invalid');
  });
});
