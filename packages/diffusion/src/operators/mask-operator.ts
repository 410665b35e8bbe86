/**
 * Measurement by a subset of image values (pixels in all their channels): Mᵀ keeps the listed values in
 * order, M puts them back and fills the rest with zeros. The columns of M are distinct unit vectors, so
 * MᵀM = I. Inpainting and random pixels are built on it.
 */
import { checkLength, shapeSize, type MeasurementOperator } from '../measurement-operator';

/** Returns the operator that measures the values at `keptIndices` (indices into [height, width, channels] C order, ascending). */
export function createMaskOperator(name: string, imageShape: [number, number, number], keptIndices: Int32Array): MeasurementOperator {
  const imageSize = shapeSize(imageShape);
  return {
    name,
    imageShape,
    measurementShape: [keptIndices.length],
    measurementSize: keptIndices.length,
    isOrthonormal: true,
    forward(image: Float32Array): Float32Array {
      checkLength(name, 'image', image.length, imageSize);
      const measurement = new Float32Array(keptIndices.length);
      for (let k = 0; k < keptIndices.length; k++) {
        measurement[k] = image[keptIndices[k]];
      }
      return measurement;
    },
    adjoint(measurement: Float32Array): Float32Array {
      checkLength(name, 'measurement', measurement.length, keptIndices.length);
      const image = new Float32Array(imageSize);
      for (let k = 0; k < keptIndices.length; k++) {
        image[keptIndices[k]] = measurement[k];
      }
      return image;
    },
  };
}

/** Expands pixel indices (row · width + column) to the indices of all their channels. */
export function pixelsToValueIndices(pixels: ArrayLike<number>, channels: number): Int32Array {
  const indices = new Int32Array(pixels.length * channels);
  for (let k = 0; k < pixels.length; k++) {
    for (let c = 0; c < channels; c++) {
      indices[k * channels + c] = pixels[k] * channels + c;
    }
  }
  return indices;
}
