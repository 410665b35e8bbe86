import path from 'node:path';
import { imageBatchFromData, readNpy } from '@gahb/core';
import { findNearDuplicates, similarityFeatures } from './dedupe';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

/** Reads the 60 images of 40x40 with planted near-duplicates that make_fixtures.py writes. */
async function fixtureImages() {
  const array = await readNpy(path.join(FIXTURES, 'dedupe-images.npy'));
  return imageBatchFromData(array.data as Float32Array, [...array.shape, 1]);
}

async function fixtureIndices(name: string): Promise<number[]> {
  return Array.from((await readNpy(path.join(FIXTURES, name))).data);
}

describe('findNearDuplicates', () => {
  test('absolute similarity matches the NumPy reference', async () => {
    const images = await fixtureImages();
    const result = await findNearDuplicates(images, { blockSize: 7 });
    expect(Array.from(result.removed)).toEqual(await fixtureIndices('dedupe-removed-absolute.npy'));
    expect(result.keep.length + result.removed.length).toBe(60);
  });

  test('signed similarity matches the NumPy reference', async () => {
    const images = await fixtureImages();
    const result = await findNearDuplicates(images, { signed: true, blockSize: 16 });
    expect(Array.from(result.removed)).toEqual(await fixtureIndices('dedupe-removed-signed.npy'));
  });

  test('duplicateOf names the first earlier match', async () => {
    const images = await fixtureImages();
    const result = await findNearDuplicates(images);
    const firstMatch = new Map(Array.from(result.removed, (index, k) => [index, result.duplicateOf[k]]));
    expect(firstMatch.get(10)).toBe(3);
    expect(firstMatch.get(20)).toBe(5);
    expect(firstMatch.get(30)).toBe(7);
    // Image 45 copies image 10, which copies image 3: the earliest match wins.
    expect(firstMatch.get(45)).toBe(3);
  });

  test('block size does not change the result', async () => {
    const images = await fixtureImages();
    const small = await findNearDuplicates(images, { blockSize: 1 });
    const large = await findNearDuplicates(images, { blockSize: 1000 });
    expect(small.removed).toEqual(large.removed);
    expect(small.duplicateOf).toEqual(large.duplicateOf);
  });

  test('progress reaches the row count', async () => {
    const images = await fixtureImages();
    const reports: number[] = [];
    await findNearDuplicates(images, { blockSize: 25, threads: 1, onProgress: (done) => reports.push(done) });
    expect(reports).toEqual([25, 50, 60]);
  });

  test('worker threads match one thread', async () => {
    const images = await fixtureImages();
    const single = await findNearDuplicates(images, { blockSize: 7, threads: 1 });
    const reports: number[] = [];
    const parallel = await findNearDuplicates(images, { blockSize: 7, threads: 2, onProgress: (done) => reports.push(done) });
    expect(parallel.removed).toEqual(single.removed);
    expect(parallel.duplicateOf).toEqual(single.duplicateOf);
    // Nine blocks of 7 rows (the last has 4); reports are cumulative whatever the order blocks finish in.
    expect(reports.length).toBe(9);
    expect(reports[reports.length - 1]).toBe(60);
  });

  test('invalid threshold is rejected', async () => {
    const images = await fixtureImages();
    await expect(findNearDuplicates(images, { threshold: 1.5 })).rejects.toThrow('threshold 1.5 is invalid');
  });
});

describe('similarityFeatures', () => {
  test('features are mean-free unit vectors', async () => {
    const features = similarityFeatures(await fixtureImages());
    for (const image of [0, 17, 59]) {
      const row = features.subarray(image * 400, (image + 1) * 400);
      const sum = row.reduce((total, value) => total + value, 0);
      const norm = Math.sqrt(row.reduce((total, value) => total + value * value, 0));
      expect(Math.abs(sum)).toBeLessThan(1e-4);
      expect(Math.abs(norm - 1)).toBeLessThan(1e-5);
    }
  });
});
