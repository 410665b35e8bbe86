import { EpochSampler, repeatedEpochSize } from './epoch-sampler';

/** Counts how often each index in [0, imageCount) occurs in `batches`. */
function countIndices(batches: Int32Array[], imageCount: number): number[] {
  const counts = new Array<number>(imageCount).fill(0);
  for (const indices of batches) {
    for (const index of indices) {
      counts[index]++;
    }
  }
  return counts;
}

describe('repeatedEpochSize', () => {
  test.each([
    [1, 250_000],
    [10, 250_000],
    [1000, 250_000],
    [99_325, 198_650],
    [300_000, 300_000],
    [7, 249_998],
  ])('N = %i gives %i samples', (imageCount, expected) => {
    expect(repeatedEpochSize(imageCount)).toBe(expected);
  });
});

describe('EpochSampler', () => {
  test('epoch repeats every image equally', () => {
    const sampler = new EpochSampler({ imageCount: 7, batchSize: 10, seed: 1, samplesPerEpoch: 70 });
    const batches = [...sampler.epochBatches()];
    expect(batches.length).toBe(7);
    expect(countIndices(batches.map((batch) => batch.indices), 7)).toEqual(new Array(7).fill(10));
    expect(sampler.currentEpoch).toBe(1);
  });

  test('last batch of an epoch is partial', () => {
    const sampler = new EpochSampler({ imageCount: 5, batchSize: 8, seed: 2, samplesPerEpoch: 20 });
    const sizes = [...sampler.epochBatches()].map((batch) => batch.indices.length);
    expect(sizes).toEqual([8, 8, 4]);
    expect(sampler.batchesPerEpoch).toBe(3);
  });

  test('each epoch has its own order', () => {
    const sampler = new EpochSampler({ imageCount: 50, batchSize: 50, seed: 3, samplesPerEpoch: 50 });
    const first = sampler.nextBatch();
    const second = sampler.nextBatch();
    expect(first.epoch).toBe(0);
    expect(second.epoch).toBe(1);
    expect(second.step).toBe(1);
    expect(second.indices).not.toEqual(first.indices);
    expect([...second.indices].sort((a, b) => a - b)).toEqual([...first.indices].sort((a, b) => a - b));
  });

  test('without shuffling samples come in order modulo N', () => {
    const sampler = new EpochSampler({ imageCount: 3, batchSize: 4, seed: 0, samplesPerEpoch: 9, shuffle: false });
    expect(Array.from(sampler.nextBatch().indices)).toEqual([0, 1, 2, 0]);
    expect(Array.from(sampler.nextBatch().indices)).toEqual([1, 2, 0, 1]);
    expect(Array.from(sampler.nextBatch().indices)).toEqual([2]);
  });

  test('restored state continues with the same batches', () => {
    const options = { imageCount: 13, batchSize: 6, seed: 4, samplesPerEpoch: 26 };
    const original = new EpochSampler(options);
    for (let i = 0; i < 7; i++) {
      original.nextBatch();
    }
    const state = JSON.parse(JSON.stringify(original.getState()));
    const restored = EpochSampler.fromState(state);
    for (let i = 0; i < 6; i++) {
      const expected = original.nextBatch();
      const actual = restored.nextBatch();
      expect(actual.indices).toEqual(expected.indices);
      expect(actual.step).toBe(expected.step);
      expect(actual.epoch).toBe(expected.epoch);
    }
  });

  test('same seed gives the same order', () => {
    const first = new EpochSampler({ imageCount: 100, batchSize: 32, seed: 9 });
    const second = new EpochSampler({ imageCount: 100, batchSize: 32, seed: 9 });
    expect(second.nextBatch().indices).toEqual(first.nextBatch().indices);
    expect(first.epochSize).toBe(250_000);
  });

  test('invalid options are rejected', () => {
    expect(() => new EpochSampler({ imageCount: 0, batchSize: 4, seed: 1 })).toThrow('imageCount 0 is invalid');
    expect(() => new EpochSampler({ imageCount: 4, batchSize: 0, seed: 1 })).toThrow('batchSize 0 is invalid');
    expect(() => EpochSampler.fromState({ ...new EpochSampler({ imageCount: 4, batchSize: 2, seed: 1, samplesPerEpoch: 8 }).getState(), position: 8 })).toThrow('position 8 is invalid');
  });
});
