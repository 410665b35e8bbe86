/**
 * Image preprocessing on interleaved Float32Array pixels ([height, width, channels], C order): grayscale
 * conversion, cropping and area-averaging resize.
 *
 * Grayscale is the plain mean of R, G and B by default, as the study does (Kadkhodaie et al., ICLR 2024,
 * data loader `rgb_to_gray`). ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B) is an option. The study
 * resizes with Pillow's bicubic filter. gahb instead averages over each output pixel's footprint (area
 * averaging), which does not alias.
 */

/** RGB to gray conversion: 'mean' = (R + G + B) / 3 (the study), 'bt601' = 0.299 R + 0.587 G + 0.114 B. */
export type GrayscaleMethod = 'mean' | 'bt601';

/** Pixels of one image, interleaved [height, width, channels] in C order. */
export interface Pixels {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** A rectangle of pixels: top-left corner and size, in pixels. */
export interface CropRect {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Converts a 3-channel image to one channel; a 1-channel image is returned unchanged. */
export function toGrayscale(image: Pixels, method: GrayscaleMethod = 'mean'): Pixels {
  if (image.channels === 1) {
    return image;
  }
  if (image.channels !== 3) {
    throw new Error(`toGrayscale: ${image.channels} channels are not supported: use 1 or 3.`);
  }
  let weights: [number, number, number];
  if (method === 'mean') {
    weights = [1 / 3, 1 / 3, 1 / 3];
  } else if (method === 'bt601') {
    weights = [0.299, 0.587, 0.114];
  } else {
    throw new Error(`Grayscale method "${String(method)}" is invalid: use "mean" or "bt601".`);
  }

  const pixelCount = image.height * image.width;
  const gray = new Float32Array(pixelCount);
  const source = image.data;
  for (let p = 0; p < pixelCount; p++) {
    const k = 3 * p;
    gray[p] = weights[0] * source[k] + weights[1] * source[k + 1] + weights[2] * source[k + 2];
  }
  return { data: gray, height: image.height, width: image.width, channels: 1 };
}

/** Returns the largest centred square of an image of the given size (odd margins put the extra pixel at the bottom or right). */
export function centerSquare(height: number, width: number): CropRect {
  const side = Math.min(height, width);
  return { top: Math.floor((height - side) / 2), left: Math.floor((width - side) / 2), height: side, width: side };
}

/** Copies the pixels inside `rect`; `name` (e.g. the file) appears in the error when the rectangle does not fit. */
export function cropPixels(image: Pixels, rect: CropRect, name = 'image'): Pixels {
  const { top, left, height, width } = rect;
  const valid = [top, left, height, width].every((value) => Number.isSafeInteger(value)) && top >= 0 && left >= 0 && height > 0 && width > 0;
  if (!valid) {
    throw new Error(
      `Crop ${JSON.stringify(rect)} is invalid: use integers top >= 0, left >= 0, height > 0 and width > 0 in pixels.`,
    );
  }
  const fits = top + height <= image.height && left + width <= image.width;
  if (!fits) {
    throw new Error(
      `${name} (${image.width}x${image.height} pixels) is smaller than the crop of ${width}x${height} at row ${top}, ` +
        `column ${left}: use larger images or a smaller crop.`,
    );
  }
  if (top === 0 && left === 0 && height === image.height && width === image.width) {
    return image;
  }

  const channels = image.channels;
  const out = new Float32Array(height * width * channels);
  const rowLength = width * channels;
  for (let y = 0; y < height; y++) {
    const start = ((top + y) * image.width + left) * channels;
    out.set(image.data.subarray(start, start + rowLength), y * rowLength);
  }
  return { data: out, height, width, channels };
}

/**
 * Weights of a one-dimensional area-averaging resize from `inputLength` to `outputLength` samples.
 * Output sample i averages the input interval [i·s, (i + 1)·s) with s = inputLength / outputLength; each
 * input sample j covers [j, j + 1) and is weighted by its overlap with that interval, divided by s.
 */
export function areaWeights(inputLength: number, outputLength: number): { start: Int32Array; weights: Float32Array[] } {
  const scale = inputLength / outputLength;
  const start = new Int32Array(outputLength);
  const weights: Float32Array[] = [];
  for (let i = 0; i < outputLength; i++) {
    const low = i * scale;
    const high = (i + 1) * scale;
    const first = Math.floor(low);
    const last = Math.min(Math.ceil(high), inputLength) - 1;
    const row = new Float32Array(last - first + 1);
    for (let j = first; j <= last; j++) {
      const overlap = Math.min(high, j + 1) - Math.max(low, j);
      row[j - first] = overlap / scale;
    }
    start[i] = first;
    weights.push(row);
  }
  return { start, weights };
}

/**
 * Resizes by area averaging to outputHeight x outputWidth, separably (rows, then columns).
 * Upsampling with these weights repeats pixels (nearest neighbour), so callers reject it.
 */
export function resizeArea(image: Pixels, outputHeight: number, outputWidth: number): Pixels {
  if (!Number.isSafeInteger(outputHeight) || !Number.isSafeInteger(outputWidth) || outputHeight <= 0 || outputWidth <= 0) {
    throw new Error(`resizeArea: output size ${outputWidth}x${outputHeight} is invalid: use positive integers.`);
  }
  if (outputHeight === image.height && outputWidth === image.width) {
    return image;
  }
  const { height, width, channels } = image;
  const rows = areaWeights(height, outputHeight);
  const columns = areaWeights(width, outputWidth);

  // Pass 1: resize along x, [height, width, c] -> [height, outputWidth, c].
  const horizontal = new Float32Array(height * outputWidth * channels);
  for (let y = 0; y < height; y++) {
    const inputRow = y * width * channels;
    const outputRow = y * outputWidth * channels;
    for (let x = 0; x < outputWidth; x++) {
      const first = columns.start[x];
      const weights = columns.weights[x];
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          sum += weights[k] * image.data[inputRow + (first + k) * channels + c];
        }
        horizontal[outputRow + x * channels + c] = sum;
      }
    }
  }

  // Pass 2: resize along y, [height, outputWidth, c] -> [outputHeight, outputWidth, c].
  const rowLength = outputWidth * channels;
  const out = new Float32Array(outputHeight * rowLength);
  for (let y = 0; y < outputHeight; y++) {
    const first = rows.start[y];
    const weights = rows.weights[y];
    const outputRow = y * rowLength;
    for (let k = 0; k < weights.length; k++) {
      const weight = weights[k];
      const inputRow = (first + k) * rowLength;
      for (let i = 0; i < rowLength; i++) {
        out[outputRow + i] += weight * horizontal[inputRow + i];
      }
    }
  }
  return { data: out, height: outputHeight, width: outputWidth, channels };
}

/** Region of each image kept before resizing: the largest centred square, the whole image, or a rectangle. */
export type CropOption = 'center' | 'none' | CropRect;

/** Options of {@link preprocessImage}. */
export interface PreprocessOptions {
  /** Output height and width in pixels. */
  size: number;
  /** Output channels: 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
  /** Region kept before resizing; default 'center'. */
  crop?: CropOption;
  /** RGB to gray conversion when channels is 1; default 'mean'. */
  grayscale?: GrayscaleMethod;
}

/**
 * Converts a decoded image to `channels`, crops it and downsamples it to size x size by area averaging.
 * `name` (e.g. the file path) appears in errors: an image smaller than the crop or than the output size,
 * and a grayscale image when RGB output is requested.
 */
export function preprocessImage(image: Pixels, options: PreprocessOptions, name = 'image'): Pixels {
  const { size, channels } = options;
  if (image.channels === 1 && channels === 3) {
    throw new Error(`${name} is a grayscale image but 3 channels were requested: use 1 channel or remove the file.`);
  }
  const converted = channels === 1 ? toGrayscale(image, options.grayscale ?? 'mean') : image;

  const crop = options.crop ?? 'center';
  let rect: CropRect;
  if (crop === 'center') {
    rect = centerSquare(converted.height, converted.width);
  } else if (crop === 'none') {
    rect = { top: 0, left: 0, height: converted.height, width: converted.width };
  } else {
    rect = crop;
  }
  const cropped = cropPixels(converted, rect, name);

  if (cropped.height < size || cropped.width < size) {
    throw new Error(
      `${name}: the cropped region (${cropped.width}x${cropped.height} pixels) is smaller than the output size ` +
        `${size}x${size}: use a smaller size or larger images (gahb does not upsample).`,
    );
  }
  return resizeArea(cropped, size, size);
}
