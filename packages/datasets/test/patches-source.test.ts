import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { bundledPhotosDir, prepareDataset, splitSubsets } from '../src';
import { makeTempDir, pixels, removeTempDirs, writeCorruptImage, writeImage } from './image-fixtures';

afterAll(removeTempDirs);

describe('bundled photographs', () => {
  test('folder contains photographs and sources', async () => {
    const files = await readdir(bundledPhotosDir());
    expect(files).toContain('SOURCES.md');
    expect(files.filter((file) => /\.(png|jpg)$/.test(file)).length).toBe(11);
    let totalBytes = 0;
    for (const file of files) {
      totalBytes += (await stat(path.join(bundledPhotosDir(), file))).size;
    }
    expect(totalBytes).toBeLessThan(3 * 1024 * 1024);
  });
});

describe('patches source', () => {
  test('bundled set splits into photo-disjoint S1 and S2', async () => {
    const dataset = await prepareDataset('patches:', { size: 32, patchesPerImage: 6 });
    expect(dataset.source).toBe('patches:bundled');
    expect(dataset.images.shape).toEqual([66, 32, 32, 1]);
    expect(dataset.groupNames?.length).toBe(11);

    const { s1, s2 } = splitSubsets(dataset, 20, { seed: 1 });
    const groups = dataset.groups as Int32Array;
    const photos = (indices: Int32Array) => new Set(Array.from(indices, (i) => groups[i]));
    const s1Photos = photos(s1.indices);
    const s2Photos = photos(s2.indices);
    const testPhotos = photos(s1.testIndices);
    expect([...s1Photos].filter((photo) => s2Photos.has(photo))).toEqual([]);
    expect([...testPhotos].filter((photo) => s1Photos.has(photo) || s2Photos.has(photo))).toEqual([]);
    expect(s1.testSource).toBe('held-out');
  });

  test('patches of a horizontal ramp are ramps', async () => {
    const dir = await makeTempDir();
    // Value 2·x on 0..255 along x, constant along y.
    await writeImage(path.join(dir, 'ramp.png'), pixels(100, 120, 1, (_y, x) => 2 * x), 100, 120, 1);
    const dataset = await prepareDataset(`patches:${dir}`, { size: 16, patchScales: [1, 2], patchesPerImage: 4, storage: 'float32' });
    expect(dataset.images.shape).toEqual([4, 16, 16, 1]);

    for (let patch = 0; patch < 4; patch++) {
      // Scales alternate 1, 2: one output pixel spans 1 or 2 input columns, so neighbours differ by 2 or 4 levels.
      const step = (patch % 2 === 0 ? 2 : 4) / 255;
      for (let x = 1; x < 16; x++) {
        expect(Math.abs(dataset.images.get(patch, 0, x, 0) - dataset.images.get(patch, 0, x - 1, 0) - step)).toBeLessThan(1e-6);
        expect(Math.abs(dataset.images.get(patch, 9, x, 0) - dataset.images.get(patch, 0, x, 0))).toBeLessThan(1e-6);
      }
    }
  });

  test('scales larger than a photograph are left out', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'small.png'), pixels(40, 50, 1, (y, x) => x + y), 40, 50, 1);
    const dataset = await prepareDataset(`patches:${dir}`, { size: 16, patchScales: [1, 2, 4], patchesPerImage: 3 });
    expect((dataset.meta.scalesUsed as Record<string, number[]>)['small.png']).toEqual([1, 2]);
  });

  test('same seed reproduces the patches', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'noise.png'), pixels(64, 64, 1, (y, x) => (x * 37 + y * 91) % 256), 64, 64, 1);
    const first = await prepareDataset(`patches:${dir}`, { size: 8, patchesPerImage: 5, seed: 4 });
    const second = await prepareDataset(`patches:${dir}`, { size: 8, patchesPerImage: 5, seed: 4 });
    const other = await prepareDataset(`patches:${dir}`, { size: 8, patchesPerImage: 5, seed: 5 });
    expect(second.images.data).toEqual(first.images.data);
    expect(other.images.data).not.toEqual(first.images.data);
  });

  test('count spreads patches over photographs', async () => {
    const dir = await makeTempDir();
    for (const name of ['a.png', 'b.png', 'c.png']) {
      await writeImage(path.join(dir, name), pixels(32, 32, 1, (y, x) => x * y), 32, 32, 1);
    }
    const dataset = await prepareDataset(`patches:${dir}`, { size: 8, count: 8 });
    expect(Array.from(dataset.groups ?? [])).toEqual([0, 0, 0, 1, 1, 1, 2, 2]);
  });

  test('photograph smaller than every patch is named', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'tiny.png'), pixels(10, 10, 1, () => 0), 10, 10, 1);
    await expect(prepareDataset(`patches:${dir}`, { size: 16 })).rejects.toThrow(
      `Photograph "${path.join(dir, 'tiny.png')}" (10x10 pixels) is smaller than the smallest patch (16 pixels)`,
    );
  });

  test('corrupt photograph fails or is skipped', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'a.png'), pixels(32, 32, 1, (y, x) => x + y), 32, 32, 1);
    await writeCorruptImage(path.join(dir, 'b.png'));
    await writeImage(path.join(dir, 'c.png'), pixels(32, 32, 1, (y, x) => x * y), 32, 32, 1);
    await expect(prepareDataset(`patches:${dir}`, { size: 8, patchesPerImage: 2 })).rejects.toThrow(path.join(dir, 'b.png'));

    const dataset = await prepareDataset(`patches:${dir}`, { size: 8, patchesPerImage: 2, skipBadFiles: true });
    expect(Array.from(dataset.groups ?? [])).toEqual([0, 0, 2, 2]);
    expect(dataset.meta.skippedFiles).toEqual(['b.png']);
  });

  test('scale below 1 is rejected', async () => {
    await expect(prepareDataset('patches:', { patchScales: [0.5] })).rejects.toThrow('Patch scale 0.5 is invalid');
  });
});
