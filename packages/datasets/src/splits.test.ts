import { RandomStream, createImageBatch } from '@gahb/core';
import type { PreparedDataset } from './data-source';
import { selectImages, splitSubsets } from './splits';

/** Returns a prepared set of `count` 2x2 images where image i is filled with the value i. */
function numberedDataset(count: number, groups?: Int32Array, groupNames?: string[]): PreparedDataset {
  const images = createImageBatch(count, 2, 2, 1);
  for (let i = 0; i < count; i++) {
    images.data.fill(i, 4 * i, 4 * i + 4);
  }
  return { images, source: 'test:numbered', groups, groupNames, meta: {} };
}

function intersection<T>(a: ArrayLike<T>, b: ArrayLike<T>): T[] {
  const set = new Set(Array.from(a));
  return Array.from(b).filter((value) => set.has(value));
}

describe('splitSubsets', () => {
  test('S1 is the first N and S2 the last N images', () => {
    const { s1, s2 } = splitSubsets(numberedDataset(10), 3);
    expect(Array.from(s1.indices)).toEqual([0, 1, 2]);
    expect(Array.from(s2.indices)).toEqual([7, 8, 9]);
    expect(s1.side).toBe(1);
    expect(s2.side).toBe(2);
    expect(intersection(s1.indices, s2.indices)).toEqual([]);
  });

  test('images between the subsets are the held-out test set', () => {
    const { s1, s2 } = splitSubsets(numberedDataset(10), 3, { testCount: 2 });
    expect(s1.testSource).toBe('held-out');
    expect(Array.from(s1.testIndices)).toEqual([3, 4]);
    expect(Array.from(s2.testIndices)).toEqual([3, 4]);
  });

  test('without held-out images each side tests on the other', () => {
    const { s1, s2 } = splitSubsets(numberedDataset(8), 4);
    expect(s1.testSource).toBe('other-side');
    expect(Array.from(s1.testIndices)).toEqual([4, 5, 6, 7]);
    expect(Array.from(s2.testIndices)).toEqual([0, 1, 2, 3]);
  });

  test('2N larger than the set is rejected', () => {
    expect(() => splitSubsets(numberedDataset(9), 5)).toThrow('S1 and S2 need 2N = 10; use N <= 4');
  });

  describe('grouped set', () => {
    // 11 photographs with 20 patches each, stored photo after photo.
    const photoCount = 11;
    const groups = new Int32Array(photoCount * 20).map((_, i) => Math.floor(i / 20));
    const names = Array.from({ length: photoCount }, (_, k) => `photo-${k}.png`);
    const dataset = numberedDataset(groups.length, groups, names);

    test('S1, S2 and test share no photograph', () => {
      const { s1, s2 } = splitSubsets(dataset, 50, { seed: 3 });
      const photosOf = (indices: Int32Array) => new Set(Array.from(indices, (i) => groups[i]));
      const s1Photos = photosOf(s1.indices);
      const s2Photos = photosOf(s2.indices);
      const testPhotos = photosOf(s1.testIndices);
      expect(intersection([...s1Photos], [...s2Photos])).toEqual([]);
      expect(intersection([...s1Photos], [...testPhotos])).toEqual([]);
      expect(intersection([...s2Photos], [...testPhotos])).toEqual([]);
      expect(intersection(s1.groups ?? [], s2.groups ?? [])).toEqual([]);
      expect(intersection(s1.indices, s2.indices)).toEqual([]);
    });

    test('photographs are dealt about evenly', () => {
      const { s1, s2 } = splitSubsets(dataset, 10, { seed: 3 });
      expect(s1.testGroups?.length).toBe(1);
      expect(s1.groups?.length).toBe(5);
      expect(s2.groups?.length).toBe(5);
      expect(s1.testSource).toBe('held-out');
    });

    test('first N patches span all photographs of a side', () => {
      const { s1 } = splitSubsets(dataset, 5, { seed: 3 });
      expect(new Set(Array.from(s1.indices, (i) => groups[i])).size).toBe(5);
    });

    test('seed changes the assignment', () => {
      const first = splitSubsets(dataset, 10, { seed: 1 }).s1.groups;
      const assignments = [2, 3, 4, 5].map((seed) => JSON.stringify(splitSubsets(dataset, 10, { seed }).s1.groups));
      expect(assignments.some((groupsOfSeed) => groupsOfSeed !== JSON.stringify(first))).toBe(true);
    });

    test('N above the patches of one side is rejected', () => {
      expect(() => splitSubsets(dataset, 101, { seed: 3 })).toThrow('Subset size N = 101 is too large');
    });

    test('two photographs cannot be split', () => {
      const small = numberedDataset(4, Int32Array.from([0, 0, 1, 1]), ['a.png', 'b.png']);
      expect(() => splitSubsets(small, 1)).toThrow('has 2 photographs, which cannot be split');
    });
  });
});

describe('selectImages', () => {
  test('copies images in index order', () => {
    const images = createImageBatch(4, 3, 3, 2);
    RandomStream.fromSeed(1, 'select-test').fillUniform(images.data);
    const selected = selectImages(images, Int32Array.from([3, 1, 3]));
    expect(selected.shape).toEqual([3, 3, 3, 2]);
    expect(selected.data.subarray(0, 18)).toEqual(images.data.subarray(54, 72));
    expect(selected.data.subarray(18, 36)).toEqual(images.data.subarray(18, 36));
    expect(selected.data.subarray(36, 54)).toEqual(images.data.subarray(54, 72));
  });

  test('index out of range is rejected', () => {
    expect(() => selectImages(createImageBatch(2, 1, 1, 1), [2])).toThrow('index 2 at position 0 is outside the 2 images');
  });
});
