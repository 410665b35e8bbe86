import path from 'node:path';
import { createImageBatch, readNpy, writeNpy } from '@gahb/core';
import { prepareDataset, saveDataset, splitSubsets } from '../src';
import { makeTempDir, removeTempDirs } from './image-fixtures';

afterAll(removeTempDirs);

const FIXTURES = path.join(__dirname, 'fixtures');

describe('npy source', () => {
  test.each([
    ['images-uint8-nhw.npy', 'expected-uint8-nhw.npy', 'nhwc'],
    ['images-float32-nchw.npy', 'expected-float32-nchw.npy', 'nchw'],
    ['images-float64-nhwc.npy', 'expected-float64-nhwc.npy', 'nhwc'],
  ] as const)('%s matches the NumPy conversion', async (file, expectedFile, layout) => {
    const expected = await readNpy(path.join(FIXTURES, expectedFile));
    const dataset = await prepareDataset(`npy:${path.join(FIXTURES, file)}`, {
      layout,
      channels: expected.shape[3] as 1 | 3,
      storage: 'float32',
    });
    expect(dataset.images.shape).toEqual(expected.shape);
    let maxError = 0;
    for (let k = 0; k < expected.data.length; k++) {
      maxError = Math.max(maxError, Math.abs(dataset.images.data[k] - expected.data[k]));
    }
    // Both sides are float32 divisions or copies of the same values.
    expect(maxError).toBeLessThan(1e-7);
  });

  test('RGB array keeps its channels by default', async () => {
    const dataset = await prepareDataset(`npy:${path.join(FIXTURES, 'images-float32-nchw.npy')}`, { layout: 'nchw' });
    expect(dataset.images.shape).toEqual([3, 8, 8, 3]);
  });

  test('channels 1 turns an RGB array to grayscale', async () => {
    const expected = await readNpy(path.join(FIXTURES, 'expected-float32-nchw.npy'));
    const dataset = await prepareDataset(`npy:${path.join(FIXTURES, 'images-float32-nchw.npy')}`, {
      layout: 'nchw',
      channels: 1,
      storage: 'float32',
    });
    expect(dataset.images.shape).toEqual([3, 8, 8, 1]);
    const first = (expected.data[0] + expected.data[1] + expected.data[2]) / 3;
    expect(Math.abs(dataset.images.data[0] - first)).toBeLessThan(1e-6);
  });

  test('size resizes by area averaging', async () => {
    const dataset = await prepareDataset(`npy:${path.join(FIXTURES, 'images-float64-nhwc.npy')}`, { size: 4, storage: 'float32' });
    const expected = await readNpy(path.join(FIXTURES, 'expected-float64-nhwc.npy'));
    const block = (expected.data[0] + expected.data[1] + expected.data[8] + expected.data[9]) / 4;
    expect(dataset.images.shape).toEqual([2, 4, 4, 1]);
    expect(Math.abs(dataset.images.data[0] - block)).toBeLessThan(1e-6);
  });

  test('channel-first array without layout suggests nchw', async () => {
    await expect(prepareDataset(`npy:${path.join(FIXTURES, 'images-float32-nchw.npy')}`)).rejects.toThrow(
      'has 8 channels in shape [3, 3, 8, 8] (layout nhwc): use 1 or 3 channels. If the array is [n, c, h, w], use layout nchw.',
    );
  });

  test('wrong rank is rejected with the file', async () => {
    const file = path.join(FIXTURES, 'bad-rank.npy');
    await expect(prepareDataset(`npy:${file}`)).rejects.toThrow(`"${file}" has shape [5, 5] (rank 2)`);
  });

  test('wrong dtype is rejected with the file', async () => {
    const file = path.join(FIXTURES, 'bad-dtype-int32.npy');
    await expect(prepareDataset(`npy:${file}`)).rejects.toThrow(`"${file}" contains int32 values, which are not supported`);
  });

  test('float values on the 0..255 scale are rejected', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'scaled.npy');
    await writeNpy(file, { dtype: 'float32', shape: [1, 2, 2], data: Float32Array.from([0, 64, 128, 255]) });
    await expect(prepareDataset(`npy:${file}`)).rejects.toThrow('The values look like 0..255');
  });

  test('NaN value is rejected with its image', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'nan.npy');
    await writeNpy(file, { dtype: 'float32', shape: [2, 1, 2], data: Float32Array.from([0.5, 0.5, 0.5, NaN]) });
    await expect(prepareDataset(`npy:${file}`)).rejects.toThrow('contains 1 NaN or infinite values (the first in image 1)');
  });

  test('empty array is rejected', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'empty.npy');
    await writeNpy(file, { dtype: 'uint8', shape: [0, 4, 4], data: new Uint8Array(0) });
    await expect(prepareDataset(`npy:${file}`)).rejects.toThrow('contains no pixels');
  });

  test('zero count is rejected', async () => {
    const file = path.join(FIXTURES, 'images-uint8-nhw.npy');
    await expect(prepareDataset(`npy:${file}`, { count: 0 })).rejects.toThrow('count 0 is invalid');
  });

  test('prepared set keeps its groups for splitting', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'patches.npy');
    const images = createImageBatch(12, 2, 2, 1);
    const groups = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    await saveDataset(file, { images, source: 'patches:test', groups, groupNames: ['a', 'b', 'c', 'd'], meta: {} });

    const dataset = await prepareDataset(`npy:${file}`);
    expect(Array.from(dataset.groups ?? [])).toEqual(Array.from(groups));
    const { s1, s2 } = splitSubsets(dataset, 3, { testGroupCount: 0 });
    const photos = (indices: Int32Array) => new Set(Array.from(indices, (i) => groups[i]));
    expect([...photos(s1.indices)].some((photo) => photos(s2.indices).has(photo))).toBe(false);
  });
});
