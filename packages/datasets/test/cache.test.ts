import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createImageBatch, encodeNpy } from '@gahb/core';
import { dataSourceRegistry, loadDataset, prepareDataset, registerDataSource, saveDataset, sidecarPath, type PreparedDataset } from '../src';
import { makeTempDir, pixels, removeTempDirs, writeImage } from './image-fixtures';

afterAll(removeTempDirs);

// A third-party source that counts its loads: image i of `count` is filled with (i + 1) / (count + 1).
let loads = 0;
beforeAll(() => {
  registerDataSource({
    scheme: 'counting',
    description: 'counting:NAME — test images that count how often they are loaded',
    async load(location, options): Promise<PreparedDataset> {
      loads++;
      const count = options.count ?? 3;
      const size = options.size ?? 4;
      const images = createImageBatch(count, size, size, 1);
      for (let i = 0; i < count; i++) {
        images.data.fill((i + 1) / (count + 1), i * size * size, (i + 1) * size * size);
      }
      return { images, source: `counting:${location}`, meta: {} };
    },
  });
});
afterAll(() => dataSourceRegistry.unregister('counting'));

describe('prepareDataset cache', () => {
  test('second run with the same options reads the cache', async () => {
    const cacheDir = await makeTempDir();
    loads = 0;
    const first = await prepareDataset('counting:a', { count: 3, cacheDir });
    const second = await prepareDataset('counting:a', { count: 3, cacheDir });
    expect(loads).toBe(1);
    expect(second.images.data).toEqual(first.images.data);
    expect(second.meta.contentHash).toBe(first.meta.contentHash);
    expect((await readdir(cacheDir)).length).toBe(2);
  });

  test('other options prepare a new entry', async () => {
    const cacheDir = await makeTempDir();
    loads = 0;
    await prepareDataset('counting:a', { count: 3, cacheDir });
    await prepareDataset('counting:a', { count: 4, cacheDir });
    await prepareDataset('counting:b', { count: 3, cacheDir });
    expect(loads).toBe(3);
    expect((await readdir(cacheDir)).length).toBe(6);
  });

  test('changed cache file is prepared again', async () => {
    const cacheDir = await makeTempDir();
    loads = 0;
    await prepareDataset('counting:a', { count: 3, cacheDir });
    const npyFile = (await readdir(cacheDir)).find((file) => file.endsWith('.npy')) as string;
    await rm(path.join(cacheDir, npyFile));
    await prepareDataset('counting:a', { count: 3, cacheDir });
    expect(loads).toBe(2);
  });

  test('changed source file changes the cache key', async () => {
    const dir = await makeTempDir();
    const cacheDir = await makeTempDir();
    await writeImage(path.join(dir, 'a.png'), pixels(4, 4, 1, () => 10), 4, 4, 1);
    const first = await prepareDataset(`folder:${dir}`, { size: 2, cacheDir });
    await writeImage(path.join(dir, 'a.png'), pixels(4, 4, 1, () => 200), 4, 4, 1);
    const second = await prepareDataset(`folder:${dir}`, { size: 2, cacheDir });
    expect(second.meta.cacheKey).not.toBe(first.meta.cacheKey);
    expect(second.images.data[0]).toBeCloseTo(200 / 255, 6);
  });
});

describe('saveDataset and loadDataset', () => {
  test('cache path that is a file is rejected before loading', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'not-a-folder');
    await writeFile(file, '');
    const before = loads;
    await expect(prepareDataset('counting:file', { cacheDir: file })).rejects.toThrow(`Cache folder "${file}" is a file`);
    expect(loads).toBe(before);
  });

  test('round trip keeps values, groups and record', async () => {
    const dir = await makeTempDir();
    const images = createImageBatch(3, 2, 2, 1);
    images.data.set([0, 1 / 255, 0.5, 1, 0.2, 0.4, 0.6, 0.8, 0.25, 0.75, 0.1, 0.9]);
    const dataset: PreparedDataset = {
      images,
      source: 'test:round-trip',
      groups: Int32Array.from([1, 0, 1]),
      groupNames: ['x.png', 'y.png'],
      meta: { note: 'kept' },
    };
    const file = path.join(dir, 'set.npy');
    await saveDataset(file, dataset, 'uint8');
    const loaded = await loadDataset(file);
    expect(loaded.images.shape).toEqual([3, 2, 2, 1]);
    // uint8 storage: values within half a level (0.5/255) of the originals.
    for (let k = 0; k < 12; k++) {
      expect(Math.abs(loaded.images.data[k] - images.data[k])).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
    }
    expect(Array.from(loaded.groups ?? [])).toEqual([1, 0, 1]);
    expect(loaded.groupNames).toEqual(['x.png', 'y.png']);
    expect(loaded.meta.note).toBe('kept');
    expect(sidecarPath(file)).toBe(path.join(dir, 'set.json'));
  });

  test('changed values fail the content hash', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'set.npy');
    const images = createImageBatch(2, 2, 2, 1);
    await saveDataset(file, { images, source: 'test:hash', meta: {} }, 'float32');
    const other = createImageBatch(2, 2, 2, 1).data.fill(0.5);
    await writeFile(file, encodeNpy({ dtype: 'float32', shape: [2, 2, 2, 1], data: other }));
    await expect(loadDataset(file)).rejects.toThrow('does not match the content hash');
  });
});
