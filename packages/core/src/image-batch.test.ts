import ndarray from 'ndarray';
import { assertImageBatch, contiguousImageBatch, createImageBatch, imageBatchFromData, sliceImageBatch } from './image-batch';

describe('createImageBatch', () => {
  test('zero-filled NHWC batch', () => {
    const batch = createImageBatch(2, 3, 4, 1);
    expect(batch.shape).toEqual([2, 3, 4, 1]);
    expect(batch.data).toBeInstanceOf(Float32Array);
    expect(batch.data.length).toBe(24);
    expect(batch.data.every((value) => value === 0)).toBe(true);
  });

  test('invalid dimension names value', () => {
    expect(() => createImageBatch(2, -1, 4)).toThrow('createImageBatch: height -1 is invalid: use a non-negative integer.');
    expect(() => createImageBatch(1.5, 2, 2)).toThrow('n 1.5 is invalid');
  });

  test('unallocatable batch names shape', () => {
    expect(() => createImageBatch(1e6, 4096, 4096, 1)).toThrow('a batch of shape [1000000, 4096, 4096, 1] needs 6.25e+4 GiB');
  });
});

describe('imageBatchFromData', () => {
  test('wraps data without copying', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i);
    const batch = imageBatchFromData(data, [1, 2, 2, 3]);
    expect(batch.data).toBe(data);
    // C order: index (0, 1, 0, 2) is 1 * 6 + 0 * 3 + 2 = 8.
    expect(batch.get(0, 1, 0, 2)).toBe(8);
  });

  test('shape mismatch is an error', () => {
    expect(() => imageBatchFromData(new Float32Array(5), [1, 2, 2, 1])).toThrow('needs 4 values but the data has 5');
    expect(() => imageBatchFromData(new Float32Array(4), [2, 2])).toThrow('has rank 2');
    expect(() => imageBatchFromData(new Float32Array(4), [-1, -4, 1, 1])).toThrow('shape [-1, -4, 1, 1] is invalid; use non-negative integers.');
  });
});

describe('assertImageBatch and contiguousImageBatch', () => {
  test('strided view is rejected and copied', () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => i);
    const batch = imageBatchFromData(data, [1, 4, 4, 1]);
    // Every second column: a strided view of shape [1, 4, 2, 1].
    const view = batch.step(1, 1, 2, 1);
    expect(() => assertImageBatch(view, 'columns')).toThrow('columns is a strided view');

    const copy = contiguousImageBatch(view);
    expect(copy.shape).toEqual([1, 4, 2, 1]);
    expect(Array.from(copy.data)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(() => assertImageBatch(copy)).not.toThrow();
  });

  test('contiguous batch returned as is', () => {
    const batch = createImageBatch(1, 2, 2, 1);
    expect(contiguousImageBatch(batch)).toBe(batch);
  });

  test('wrong rank and type rejected', () => {
    expect(() => assertImageBatch(ndarray(new Float32Array(4), [2, 2]) as never, 'x')).toThrow('x has shape [2, 2]');
    expect(() => assertImageBatch(ndarray(new Float64Array(4), [1, 2, 2, 1]) as never, 'y')).toThrow('y must be stored in a Float32Array');
  });
});

describe('sliceImageBatch', () => {
  test('shares data of the range', () => {
    const batch = imageBatchFromData(Float32Array.from({ length: 8 }, (_, i) => i), [4, 1, 2, 1]);
    const slice = sliceImageBatch(batch, 1, 3);
    expect(slice.shape).toEqual([2, 1, 2, 1]);
    expect(Array.from(slice.data)).toEqual([2, 3, 4, 5]);
    slice.data[0] = -1;
    expect(batch.data[2]).toBe(-1);
  });

  test('range outside batch is an error', () => {
    const batch = createImageBatch(3, 1, 1, 1);
    expect(() => sliceImageBatch(batch, 2, 4)).toThrow('range [2, 4) is outside the batch of 3 images');
  });
});
