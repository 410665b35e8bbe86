import ndarray, { type NdArray } from 'ndarray';
import { errorMessage } from './error-message';

/**
 * A batch of images as a scijs ndarray over Float32Array with shape [n, height, width, channels]
 * (NHWC, C order), intensities nominally in [0, 1]. This is how images cross package boundaries.
 */
export type ImageBatch = NdArray<Float32Array>;

/** Returns a zero-filled batch of shape [n, height, width, channels]. */
export function createImageBatch(n: number, height: number, width: number, channels = 1): ImageBatch {
  for (const [name, value] of [['n', n], ['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`createImageBatch: ${name} ${value} is invalid: use a non-negative integer.`);
    }
  }
  const shape = [n, height, width, channels];
  let data: Float32Array;
  try {
    data = new Float32Array(n * height * width * channels);
  } catch (error) {
    // V8 raises a RangeError ("Invalid typed array length", "Array buffer allocation failed") without the shape.
    if ((error as { name?: unknown } | null)?.name !== 'RangeError') throw error;
    const gibibytes = (n * height * width * channels * 4) / 2 ** 30;
    throw new Error(
      `createImageBatch: a batch of shape [${shape.join(', ')}] needs ${gibibytes.toPrecision(3)} GiB, which cannot be allocated ` +
        `(${errorMessage(error)}); use fewer or smaller images.`,
      { cause: error },
    );
  }
  return ndarray(data, shape);
}

/** Wraps `data` (C order, no copy) as a batch of shape [n, height, width, channels]. */
export function imageBatchFromData(data: Float32Array, shape: readonly number[]): ImageBatch {
  if (shape.length !== 4) {
    throw new Error(`imageBatchFromData: shape [${shape.join(', ')}] has rank ${shape.length}; use [n, height, width, channels].`);
  }
  // Without this check [-1, -4, 1, 1] would pass the size test below for 4 values.
  if (!shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
    throw new Error(`imageBatchFromData: shape [${shape.join(', ')}] is invalid; use non-negative integers.`);
  }
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  if (size !== data.length) {
    throw new Error(`imageBatchFromData: shape [${shape.join(', ')}] needs ${size} values but the data has ${data.length}.`);
  }
  return ndarray(data, [...shape]);
}

/**
 * Checks that `batch` is a C-ordered [n, height, width, channels] Float32Array batch whose data starts at
 * offset 0, so that `batch.data` can be used directly; `name` appears in the error.
 */
export function assertImageBatch(batch: ImageBatch, name = 'images'): void {
  if (batch.shape.length !== 4) {
    throw new Error(`${name} has shape [${batch.shape.join(', ')}]; expected [n, height, width, channels].`);
  }
  if (!(batch.data instanceof Float32Array)) {
    throw new Error(`${name} must be stored in a Float32Array.`);
  }
  const [, height, width, channels] = batch.shape;
  const contiguous =
    batch.offset === 0 &&
    batch.stride[3] === 1 &&
    batch.stride[2] === channels &&
    batch.stride[1] === width * channels &&
    batch.stride[0] === height * width * channels;
  if (!contiguous || batch.data.length !== batch.size) {
    throw new Error(`${name} is a strided view; copy it into a contiguous batch first (contiguousImageBatch).`);
  }
}

/** Returns `batch` if it is contiguous, else a contiguous C-ordered copy. */
export function contiguousImageBatch(batch: ImageBatch): ImageBatch {
  try {
    assertImageBatch(batch);
    return batch;
  } catch {
    const [n, height, width, channels] = batch.shape;
    const copy = createImageBatch(n, height, width, channels);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          for (let c = 0; c < channels; c++) {
            copy.data[k++] = batch.get(i, y, x, c);
          }
        }
      }
    }
    return copy;
  }
}

/** Returns images [start, end) of `batch` as a contiguous view sharing its data. */
export function sliceImageBatch(batch: ImageBatch, start: number, end: number): ImageBatch {
  assertImageBatch(batch);
  const [n, height, width, channels] = batch.shape;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= n)) {
    throw new Error(`sliceImageBatch: range [${start}, ${end}) is outside the batch of ${n} images.`);
  }
  const imageSize = height * width * channels;
  return ndarray(batch.data.subarray(start * imageSize, end * imageSize), [end - start, height, width, channels]);
}
