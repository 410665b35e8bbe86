/**
 * Super-resolution by block averaging: the measurement of an s x s block is its sum divided by s, which is
 * the block mean scaled so that each row of Mᵀ has unit norm (MᵀM = I). M replicates a measurement over its
 * block, divided by s.
 */
import { checkImageShape, checkLength, type MeasurementOperator } from '../measurement-operator';

export interface SuperResolutionOptions {
  /** Block size s in pixels; the image height and width must be multiples of it. */
  factor: number;
}

/** Returns the operator that measures s x s block sums (scaled by 1/s) of [height, width, channels] images. */
export function superResolution(imageShape: readonly number[], options: SuperResolutionOptions): MeasurementOperator {
  const [height, width, channels] = checkImageShape('superResolution', imageShape);
  const factor = options.factor;
  if (!Number.isSafeInteger(factor) || factor < 1) {
    throw new Error(`superResolution: factor ${factor} is invalid: use an integer >= 1.`);
  }
  if (height % factor !== 0 || width % factor !== 0) {
    throw new Error(`superResolution: factor ${factor} does not divide the image size ${height}x${width}; use a divisor of both.`);
  }
  const lowHeight = height / factor;
  const lowWidth = width / factor;
  const imageSize = height * width * channels;
  const measurementSize = lowHeight * lowWidth * channels;
  const name = `super-resolution (factor ${factor})`;

  return {
    name,
    imageShape: [height, width, channels],
    measurementShape: [lowHeight, lowWidth, channels],
    measurementSize,
    isOrthonormal: true,
    forward(image: Float32Array): Float32Array {
      checkLength(name, 'image', image.length, imageSize);
      const sums = new Float64Array(measurementSize);
      for (let row = 0; row < height; row++) {
        const lowRow = Math.floor(row / factor);
        for (let column = 0; column < width; column++) {
          const lowIndex = (lowRow * lowWidth + Math.floor(column / factor)) * channels;
          const index = (row * width + column) * channels;
          for (let c = 0; c < channels; c++) {
            sums[lowIndex + c] += image[index + c];
          }
        }
      }
      const measurement = new Float32Array(measurementSize);
      for (let k = 0; k < measurementSize; k++) {
        measurement[k] = sums[k] / factor;
      }
      return measurement;
    },
    adjoint(measurement: Float32Array): Float32Array {
      checkLength(name, 'measurement', measurement.length, measurementSize);
      const image = new Float32Array(imageSize);
      for (let row = 0; row < height; row++) {
        const lowRow = Math.floor(row / factor);
        for (let column = 0; column < width; column++) {
          const lowIndex = (lowRow * lowWidth + Math.floor(column / factor)) * channels;
          const index = (row * width + column) * channels;
          for (let c = 0; c < channels; c++) {
            image[index + c] = measurement[lowIndex + c] / factor;
          }
        }
      }
      return image;
    },
  };
}
