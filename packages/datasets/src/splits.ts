/**
 * The study's two disjoint training subsets of one prepared set (Kadkhodaie et al., ICLR 2024, §2.2:
 * `prep_data_swap`): S1 = the first N images, S2 = the last N images ("swapped"), disjoint when
 * 2N does not exceed the set. For sets with groups (patches remember their photograph) whole groups go to
 * one side: the groups are shuffled with a seed and dealt into a held-out test part, S1 and S2.
 *
 * Test images: where at least min(testCount, N) images lie outside both subsets, the test images are
 * taken from them (held out). Otherwise, as in the study's training script, each side is tested on the
 * other side's images.
 */

import { createImageBatch, assertImageBatch, RandomStream, type ImageBatch } from '@gahb/core';
import type { PreparedDataset } from './data-source';

/** One training subset of a prepared set. */
export interface Split {
  /** 1 = S1 (first N), 2 = S2 (last N, "swapped"). */
  side: 1 | 2;
  /** Indices of the training images in the prepared set, length N. */
  indices: Int32Array;
  /** Names of the groups (photographs) the training images come from; grouped sets only. */
  groups?: string[];
  /** Indices of the test images in the prepared set. */
  testIndices: Int32Array;
  /** Names of the groups the test images come from; grouped sets only. */
  testGroups?: string[];
  /** 'held-out': test images lie outside both subsets; 'other-side': they are the other subset's images. */
  testSource: 'held-out' | 'other-side';
}

/** Options of {@link splitSubsets}. */
export interface SplitOptions {
  /** Test images per side; default 512 (the study's monitoring set), or fewer when fewer are available. */
  testCount?: number;
  /** Grouped sets: seed of the group shuffle; default 0. */
  seed?: number;
  /** Grouped sets: groups held out for testing; default max(1, round(groups / 10)). */
  testGroupCount?: number;
}

const DEFAULT_TEST_COUNT = 512;

/** Splits `dataset` into S1 and S2 of `n` images each; see the file header for the rules. */
export function splitSubsets(dataset: PreparedDataset, n: number, options: SplitOptions = {}): { s1: Split; s2: Split } {
  const total = dataset.images.shape[0];
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`Subset size N = ${n} is invalid: use an integer > 0.`);
  }
  const testCount = options.testCount ?? DEFAULT_TEST_COUNT;
  if (!Number.isSafeInteger(testCount) || testCount < 0) {
    throw new Error(`testCount ${testCount} is invalid: use an integer >= 0.`);
  }
  if (dataset.groups !== undefined) {
    return splitGroupedSubsets(dataset, n, testCount, options);
  }

  if (2 * n > total) {
    throw new Error(
      `Subset size N = ${n} is too large for ${dataset.source} with ${total} images: S1 and S2 need 2N = ${2 * n}; use N <= ${Math.floor(total / 2)}.`,
    );
  }
  const first = range(0, n);
  const last = range(total - n, total);

  // Images between the two subsets are held out. When there are fewer of them than the other side would
  // give (min(testCount, N)), test on the other side as the study does.
  const heldOut = total - 2 * n;
  if (heldOut > 0 && heldOut >= Math.min(testCount, n)) {
    const testIndices = range(n, n + Math.min(testCount, heldOut));
    return {
      s1: { side: 1, indices: first, testIndices, testSource: 'held-out' },
      s2: { side: 2, indices: last, testIndices: testIndices.slice(), testSource: 'held-out' },
    };
  }
  return {
    s1: { side: 1, indices: first, testIndices: last.slice(0, Math.min(testCount, n)), testSource: 'other-side' },
    s2: { side: 2, indices: last, testIndices: first.slice(0, Math.min(testCount, n)), testSource: 'other-side' },
  };
}

/** Group-disjoint split: test groups, S1 groups and S2 groups from one seeded shuffle. */
function splitGroupedSubsets(dataset: PreparedDataset, n: number, testCount: number, options: SplitOptions): { s1: Split; s2: Split } {
  const groups = dataset.groups as Int32Array;
  const groupNames = dataset.groupNames ?? [];
  const groupCount = Math.max(groupNames.length, groups.reduce((max, group) => Math.max(max, group + 1), 0));
  const testGroupCount = options.testGroupCount ?? Math.max(1, Math.round(groupCount / 10));
  if (!Number.isSafeInteger(testGroupCount) || testGroupCount < 0) {
    throw new Error(`testGroupCount ${testGroupCount} is invalid: use an integer >= 0.`);
  }
  if (groupCount - testGroupCount < 2) {
    throw new Error(
      `${dataset.source} has ${groupCount} photographs, which cannot be split into S1, S2 and ${testGroupCount} held-out ` +
        `photographs: add photographs or use testGroupCount 0.`,
    );
  }

  // Deal shuffled groups: the first testGroupCount are held out, the rest alternate between S1 and S2.
  const order = RandomStream.fromSeed(options.seed ?? 0, 'group-split').permutation(groupCount);
  const testGroupIds = Array.from(order.subarray(0, testGroupCount)).sort((a, b) => a - b);
  const remaining = Array.from(order.subarray(testGroupCount));
  const s1GroupIds = remaining.filter((_, k) => k % 2 === 0).sort((a, b) => a - b);
  const s2GroupIds = remaining.filter((_, k) => k % 2 === 1).sort((a, b) => a - b);

  const s1Pool = interleaveGroups(groups, s1GroupIds);
  const s2Pool = interleaveGroups(groups, s2GroupIds);
  const testPool = interleaveGroups(groups, testGroupIds);
  if (n > s1Pool.length || n > s2Pool.length) {
    throw new Error(
      `Subset size N = ${n} is too large for ${dataset.source}: the S1 photographs have ${s1Pool.length} patches and ` +
        `the S2 photographs ${s2Pool.length}; use N <= ${Math.min(s1Pool.length, s2Pool.length)} or more patches per photograph.`,
    );
  }

  const name = (id: number) => groupNames[id] ?? String(id);
  const s1Indices = s1Pool.slice(0, n);
  const s2Indices = s2Pool.slice(0, n);
  if (testPool.length > 0) {
    const testIndices = testPool.slice(0, Math.min(testCount, testPool.length));
    const testGroups = testGroupIds.map(name);
    return {
      s1: { side: 1, indices: s1Indices, groups: s1GroupIds.map(name), testIndices, testGroups, testSource: 'held-out' },
      s2: { side: 2, indices: s2Indices, groups: s2GroupIds.map(name), testIndices: testIndices.slice(), testGroups: [...testGroups], testSource: 'held-out' },
    };
  }
  return {
    s1: {
      side: 1, indices: s1Indices, groups: s1GroupIds.map(name),
      testIndices: s2Indices.slice(0, Math.min(testCount, n)), testGroups: s2GroupIds.map(name), testSource: 'other-side',
    },
    s2: {
      side: 2, indices: s2Indices, groups: s2GroupIds.map(name),
      testIndices: s1Indices.slice(0, Math.min(testCount, n)), testGroups: s1GroupIds.map(name), testSource: 'other-side',
    },
  };
}

/**
 * Indices of the images of `groupIds`, taken round-robin (first image of each group, then the second, …),
 * so that the first N images of a side span all of its groups.
 */
function interleaveGroups(groups: Int32Array, groupIds: number[]): Int32Array {
  const members = groupIds.map(() => [] as number[]);
  const slot = new Map(groupIds.map((id, k) => [id, k]));
  for (let i = 0; i < groups.length; i++) {
    const k = slot.get(groups[i]);
    if (k !== undefined) {
      members[k].push(i);
    }
  }
  const result: number[] = [];
  const longest = members.reduce((max, list) => Math.max(max, list.length), 0);
  for (let position = 0; position < longest; position++) {
    for (const list of members) {
      if (position < list.length) {
        result.push(list[position]);
      }
    }
  }
  return Int32Array.from(result);
}

function range(start: number, end: number): Int32Array {
  const values = new Int32Array(end - start);
  for (let k = 0; k < values.length; k++) {
    values[k] = start + k;
  }
  return values;
}

/** Copies the images at `indices` (in that order) into a new contiguous batch [indices.length, height, width, channels]. */
export function selectImages(images: ImageBatch, indices: ArrayLike<number>): ImageBatch {
  assertImageBatch(images);
  const [count, height, width, channels] = images.shape;
  const imageSize = height * width * channels;
  const selected = createImageBatch(indices.length, height, width, channels);
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k];
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new Error(`selectImages: index ${index} at position ${k} is outside the ${count} images.`);
    }
    selected.data.set(images.data.subarray(index * imageSize, (index + 1) * imageSize), k * imageSize);
  }
  return selected;
}
