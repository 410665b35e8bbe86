import { initBackend } from '@gahb/backend';
import { RandomStream, imageBatchFromData, type ImageBatch } from '@gahb/core';
import { copyFraction, cosineSimilarity, nearestNeighbors, pairedSimilarity, similarityHistogram } from '../src';

function randomImages(count: number, seed: number, shape: [number, number, number] = [3, 4, 2]): ImageBatch {
  const size = shape[0] * shape[1] * shape[2];
  return imageBatchFromData(RandomStream.fromSeed(seed, 'similarity-test').fillUniform(new Float32Array(count * size)), [count, ...shape]);
}

/** Float64 reference: normalised inner product of two images, optionally after removing each image's mean. */
function referenceSimilarity(a: Float32Array, b: Float32Array, meanRemoved: boolean): number {
  const meanA = meanRemoved ? a.reduce((sum, value) => sum + value, 0) / a.length : 0;
  const meanB = meanRemoved ? b.reduce((sum, value) => sum + value, 0) / b.length : 0;
  let product = 0;
  let normA = 0;
  let normB = 0;
  for (let k = 0; k < a.length; k++) {
    product += (a[k] - meanA) * (b[k] - meanB);
    normA += (a[k] - meanA) ** 2;
    normB += (b[k] - meanB) ** 2;
  }
  return product / Math.sqrt(normA * normB);
}

function image(batch: ImageBatch, index: number): Float32Array {
  const size = batch.shape[1] * batch.shape[2] * batch.shape[3];
  return batch.data.subarray(index * size, (index + 1) * size);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('cosineSimilarity', () => {
  test.each([true, false])('matches float64 reference with meanRemoved %s', (meanRemoved) => {
    const a = randomImages(3, 1);
    const b = randomImages(5, 2);
    const matrix = cosineSimilarity(a, b, { meanRemoved });
    expect(matrix.length).toBe(15);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 5; j++) {
        // Float32 products of 24 values: 1e-5.
        expect(Math.abs(matrix[i * 5 + j] - referenceSimilarity(image(a, i), image(b, j), meanRemoved))).toBeLessThan(1e-5);
      }
    }
  });

  test('mean removal ignores brightness offset', () => {
    const a = randomImages(1, 3);
    const shifted = imageBatchFromData(a.data.map((value) => 0.5 * value + 0.3), a.shape);
    expect(cosineSimilarity(a, shifted)[0]).toBeCloseTo(1, 5);
    expect(cosineSimilarity(a, shifted, { meanRemoved: false })[0]).toBeLessThan(0.999);
  });

  test('constant image has similarity 0', () => {
    const constant = imageBatchFromData(new Float32Array(24).fill(0.7), [1, 3, 4, 2]);
    const similarity = cosineSimilarity(constant, randomImages(2, 4));
    expect(Array.from(similarity)).toEqual([0, 0]);
  });

  test('rejects images of different shapes', () => {
    expect(() => cosineSimilarity(randomImages(1, 1), randomImages(1, 1, [4, 3, 2]))).toThrow(
      /images a are 3x4x2 images but images b are 4x3x2; compare images of the same height, width and channels/,
    );
  });
});

describe('pairedSimilarity', () => {
  test('equals diagonal of cosineSimilarity', () => {
    const a = randomImages(4, 5);
    const b = randomImages(4, 6);
    const paired = pairedSimilarity(a, b);
    const matrix = cosineSimilarity(a, b);
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(paired[i] - matrix[i * 4 + i])).toBeLessThan(1e-6);
    }
  });

  test('rejects batches of different sizes', () => {
    expect(() => pairedSimilarity(randomImages(2, 1), randomImages(3, 1))).toThrow(/images a has 2 images but images b has 3/);
  });
});

describe('nearestNeighbors', () => {
  test('matches brute force across chunks', async () => {
    const queries = randomImages(6, 7);
    const training = randomImages(50, 8);
    const result = await nearestNeighbors(queries, training, { chunkSize: 7 });
    for (let q = 0; q < 6; q++) {
      let bestIndex = 0;
      let best = -Infinity;
      for (let t = 0; t < 50; t++) {
        const similarity = referenceSimilarity(image(queries, q), image(training, t), true);
        if (similarity > best) {
          best = similarity;
          bestIndex = t;
        }
      }
      expect(result.index[q]).toBe(bestIndex);
      expect(Math.abs(result.similarity[q] - best)).toBeLessThan(1e-5);
    }
  });

  test('finds exact copies at lowest index', async () => {
    const training = randomImages(20, 9);
    // Training image 13 duplicated at 17; queries are copies of 13 and 2.
    training.data.copyWithin(17 * 24, 13 * 24, 14 * 24);
    const queries = imageBatchFromData(Float32Array.from([...image(training, 13), ...image(training, 2)]), [2, 3, 4, 2]);
    const result = await nearestNeighbors(queries, training, { chunkSize: 16 });
    expect(Array.from(result.index)).toEqual([13, 2]);
    expect(result.similarity[0]).toBeCloseTo(1, 5);
    expect(result.similarity[1]).toBeCloseTo(1, 5);
  });

  test('rejects non-finite images', async () => {
    const queries = randomImages(2, 1);
    queries.data[30] = Number.NaN;
    const training = randomImages(3, 2);
    training.data[5] = Infinity;
    await expect(nearestNeighbors(queries, randomImages(3, 2))).rejects.toThrow('queries contain a non-finite value (NaN) in image 1');
    await expect(nearestNeighbors(randomImages(2, 1), training)).rejects.toThrow('training images contain a non-finite value (Infinity) in image 0');
    expect(() => pairedSimilarity(queries, randomImages(2, 3))).toThrow('images a contain a non-finite value (NaN) in image 1');
  });

  test('rejects invalid chunkSize', async () => {
    await expect(nearestNeighbors(randomImages(1, 1), randomImages(2, 2), { chunkSize: 0 })).rejects.toThrow(/chunkSize 0 is invalid/);
  });
});

describe('similarity statistics', () => {
  test('similarityHistogram counts values per bin', () => {
    const histogram = similarityHistogram([0, 0.05, 0.1, 0.49, 0.5, 1, -0.2, 1.2, Number.NaN], 10);
    expect(histogram.counts).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 0, 1]);
    expect(histogram.underflow).toBe(1);
    expect(histogram.overflow).toBe(1);
    expect(histogram.invalid).toBe(1);
    expect(histogram.edges[0]).toBe(0);
    expect(histogram.edges[10]).toBe(1);
    expect(histogram.edges[3]).toBeCloseTo(0.3, 12);
  });

  test('similarityHistogram rejects invalid bins', () => {
    expect(() => similarityHistogram([0.5], 0)).toThrow(/bins 0 is invalid/);
  });

  test('copyFraction counts similarities above threshold', () => {
    expect(copyFraction([0.99, 0.96, 0.95, 0.2])).toBe(0.5);
    expect(copyFraction([0.99, 0.96, 0.95, 0.2], 0.98)).toBe(0.25);
    expect(copyFraction([])).toBeNaN();
  });
});
