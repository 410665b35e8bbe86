/**
 * Linear measurement operators for inverse problems. An operator measures an image x with c = Mᵀx and maps
 * measurements back to image space with M c. In the notation of Kadkhodaie & Simoncelli ("Solving linear
 * inverse problems using the prior implicit in a denoiser", NeurIPS 2021), M has orthonormal columns, so
 * MᵀM = I and M Mᵀ is the orthogonal projection onto the measured subspace.
 */
import { assertImageBatch, type ImageBatch } from '@gahb/core';

export interface MeasurementOperator {
  /** Short description for logs, e.g. "super-resolution (factor 4)". */
  readonly name: string;
  /** Shape [height, width, channels] of the images the operator measures. */
  readonly imageShape: readonly [number, number, number];
  /** Shape of one measurement vector, e.g. [height / s, width / s, channels] for super-resolution. */
  readonly measurementShape: readonly number[];
  /** Number of values in one measurement (the product of measurementShape). */
  readonly measurementSize: number;
  /** Whether MᵀM = I; the sampler's projected step needs it. */
  readonly isOrthonormal: boolean;
  /** Returns c = Mᵀx for one image x in [height, width, channels] C order. */
  forward(image: Float32Array): Float32Array;
  /** Returns M c, one image in [height, width, channels] C order, for one measurement c. */
  adjoint(measurement: Float32Array): Float32Array;
}

/** Returns the product of `shape`. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Checks an image shape given to an operator factory; `operatorName` appears in the error. */
export function checkImageShape(operatorName: string, shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3 || !shape.every((size) => Number.isSafeInteger(size) && size >= 1)) {
    throw new Error(`${operatorName}: image shape [${shape.join(', ')}] is invalid: use [height, width, channels] with positive integers.`);
  }
  return [shape[0], shape[1], shape[2]];
}

/** Checks a fraction option in (0, 1]; `operatorName` and `option` appear in the error. */
export function checkFraction(operatorName: string, option: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0 && value <= 1)) {
    throw new Error(`${operatorName}: ${option} ${value} is invalid: use a fraction in (0, 1].`);
  }
}

/** Throws when `length` is not the expected length of an operator's input. */
export function checkLength(operator: string, what: string, length: number, expected: number): void {
  if (length !== expected) {
    throw new Error(`${operator}: ${what} has ${length} values; expected ${expected}.`);
  }
}

/**
 * Measures every image of `images` ([n, height, width, channels]) and returns the measurements as one
 * Float32Array [n, measurementSize].
 */
export function measureImages(operator: MeasurementOperator, images: ImageBatch): Float32Array {
  assertImageBatch(images, 'images');
  const [n, height, width, channels] = images.shape;
  const [expectedHeight, expectedWidth, expectedChannels] = operator.imageShape;
  if (height !== expectedHeight || width !== expectedWidth || channels !== expectedChannels) {
    throw new Error(
      `${operator.name}: images have shape [${height}, ${width}, ${channels}] but the operator measures ` +
        `[${expectedHeight}, ${expectedWidth}, ${expectedChannels}] images; create the operator for the image shape.`,
    );
  }
  const imageSize = height * width * channels;
  const measurements = new Float32Array(n * operator.measurementSize);
  for (let i = 0; i < n; i++) {
    const measurement = operator.forward(images.data.subarray(i * imageSize, (i + 1) * imageSize));
    measurements.set(measurement, i * operator.measurementSize);
  }
  return measurements;
}
