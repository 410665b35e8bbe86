/**
 * Geometric C^α images: two regions separated by a C^α contour, each filled with a C^β-regular background
 * (Kadkhodaie, Guth, Simoncelli, Mallat, "Generalization in diffusion models arises from geometry-adaptive
 * harmonic representations", ICLR 2024, section 3.2 and appendix E). The defaults follow the authors' released
 * data set generator rather than the paper's Algorithm 2:
 *
 * 1. Contour: N values U(−1, 1), filtered by 1/|k|^α (DC weight 1), become the boundary row of each column:
 *    row = round(c·N) + N/2, a horizontal-ish curve around the middle row.
 * 2. Backgrounds: two U(−1, 1) fields filtered by 1/|k|₂^β (radial, DC weight 1, β = α unless given).
 * 3. Contrast: with probability ½ the lower region's background is rescaled linearly to [u₁, 1] and the upper
 *    one's to [0, u₂] (u₁, u₂ ~ U(0, 1)), otherwise the ranges swap, so the regions differ in mean intensity.
 * 4. Mask: 0 above the contour row, 1 from it down, blurred by a b × b box filter (b = 2 is the study's
 *    "blurredx2"), and the image is lower·mask + upper·(1 − mask).
 * With antialias = k, steps 1–4 run at 2^k times the size and k db2 low-pass levels bring the image back.
 *
 * Differences from the study's code:
 * - A contour row outside the image gives a column entirely in one region. The study's slicing wraps a negative
 *   row around instead.
 * - The contour amplitude in output pixels does not depend on `antialias`. The study's code shrinks it by √2 per
 *   level, because its white noise sum runs over more samples.
 * - Antialiasing uses periodization borders, so sizes halve exactly, and intensities are clipped to [0, 1].
 */
import { RandomStream, createImageBatch, type ImageBatch } from '@gahb/core';
import { clampToUnit } from './clamp';
import type { GeneratedImages, ImageGenerator } from './generator';
import { checkFineSize, checkGenerateArguments, resolveOptions } from './options';
import {
  filterFieldPair2d,
  filterSignal1d,
  powerLawFilter1d,
  powerLawFilter2d,
  type BackgroundFilterShape,
} from './power-law';
import { db2Downsample } from './wavelet';

/** Options of the 'c-alpha' generator. */
export interface CAlphaOptions {
  /** Image height and width in pixels. */
  size: number;
  /** Contour regularity α > 0: the contour's Fourier amplitudes decay as |k|^−α. */
  alpha: number;
  /** Background regularity β > 0; null uses α, as the study's data sets do. */
  beta: number | null;
  /** Spectral shape of the background filter. */
  backgroundFilter: BackgroundFilterShape;
  /** Constant backgrounds (a pure cartoon image) in place of C^β fields. */
  cartoon: boolean;
  /** Side in pixels of the box filter applied to the region mask (0 or 1: hard edge). */
  blur: number;
  /** Number of db2 antialiasing levels k: generate at 2^k times the size, then downsample k times. */
  antialias: number;
  /** Contour direction: 'horizontal' (the study's), 'vertical', or a random transposition and flips per image. */
  orientation: 'horizontal' | 'vertical' | 'random';
}

const PARAMETER_NAMES = [
  'lowerRegionMin',
  'lowerRegionMax',
  'upperRegionMin',
  'upperRegionMax',
  'contourMeanRow',
  'transposed',
  'flippedVertically',
  'flippedHorizontally',
];

/** 2^−15, so that a 16-bit integer u maps to (u + 0.5)·2^−15 − 1 in (−1, 1). */
const HALF_WORD_TO_SIGNED_UNIT = 2 ** -15;

/** Filters and buffers for one (size, α, β, shape) combination, reused across images. */
interface Workspace {
  key: string;
  contourFilter: Float64Array;
  backgroundFilter: Float64Array;
  contourRe: Float64Array;
  contourIm: Float64Array;
  fieldRe: Float64Array;
  fieldIm: Float64Array;
  mask: Float64Array;
  blurred: Float64Array;
  image: Float64Array;
}

let cachedWorkspace: Workspace | null = null;

function getWorkspace(size: number, alpha: number, beta: number, shape: BackgroundFilterShape): Workspace {
  const key = `${size}/${alpha}/${beta}/${shape}`;
  if (cachedWorkspace === null || cachedWorkspace.key !== key) {
    cachedWorkspace = {
      key,
      contourFilter: powerLawFilter1d(size, alpha),
      backgroundFilter: powerLawFilter2d(size, beta, shape),
      contourRe: new Float64Array(size),
      contourIm: new Float64Array(size),
      fieldRe: new Float64Array(size * size),
      fieldIm: new Float64Array(size * size),
      mask: new Float64Array(size * size),
      blurred: new Float64Array(size * size),
      image: new Float64Array(size * size),
    };
  }
  return cachedWorkspace;
}

/**
 * Fills `out` with U(−1, 1) draws of 16-bit resolution, two per 32-bit word, because the random numbers are half
 * of the generation time. The quantisation error (variance 2^−32/3) is negligible against the noise variance 1/3.
 */
function fillSignedUniform(stream: RandomStream, out: Float64Array): void {
  const length = out.length;
  for (let i = 0; i < length; i += 2) {
    const word = stream.nextUint32();
    out[i] = ((word >>> 16) + 0.5) * HALF_WORD_TO_SIGNED_UNIT - 1;
    if (i + 1 < length) {
      out[i + 1] = ((word & 0xffff) + 0.5) * HALF_WORD_TO_SIGNED_UNIT - 1;
    }
  }
}

/** Rescales `values` linearly in place so that their minimum is `low` and their maximum `high`. */
function rescaleToRange(values: Float64Array, low: number, high: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  const scale = max > min ? (high - low) / (max - min) : 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = scale === 0 ? (low + high) / 2 : low + (values[i] - min) * scale;
  }
}

/**
 * Box-filters the [size, size] mask with a `width` × `width` window covering rows y − ⌊width/2⌋ …
 * y − ⌊width/2⌋ + width − 1 (and likewise columns), mirroring indices at the borders without repeating the
 * edge sample. For width 2 this is the study's 2 × 2 filter with reflect padding 1 and the last row and column
 * dropped.
 */
export function boxBlur(
  mask: Float64Array,
  size: number,
  width: number,
  out: Float64Array,
  scratch: Float64Array = new Float64Array(size * size),
): void {
  if (width <= 1) {
    out.set(mask);
    return;
  }
  if (width === 2) {
    // The default: rows y − 1 and y, columns x − 1 and x, with index −1 mirrored to 1.
    for (let y = 0; y < size; y++) {
      const row = y * size;
      const previousRow = (y === 0 ? 1 : y - 1) * size;
      out[row] = 0.25 * (mask[row] + mask[row + 1] + mask[previousRow] + mask[previousRow + 1]);
      for (let x = 1; x < size; x++) {
        out[row + x] = 0.25 * (mask[row + x] + mask[row + x - 1] + mask[previousRow + x] + mask[previousRow + x - 1]);
      }
    }
    return;
  }

  // taps[t·size + i] is the mirrored index of i − ⌊width/2⌋ + t.
  const taps = new Int32Array(width * size);
  for (let t = 0; t < width; t++) {
    for (let i = 0; i < size; i++) {
      let index = i - Math.floor(width / 2) + t;
      while (index < 0 || index >= size) {
        index = index < 0 ? -index : 2 * (size - 1) - index;
      }
      taps[t * size + i] = index;
    }
  }

  const rows = scratch;
  rows.fill(0);
  for (let y = 0; y < size; y++) {
    const rowStart = y * size;
    for (let t = 0; t < width; t++) {
      const tapStart = t * size;
      for (let x = 0; x < size; x++) {
        rows[rowStart + x] += mask[rowStart + taps[tapStart + x]];
      }
    }
  }
  const normalization = 1 / (width * width);
  out.fill(0);
  for (let y = 0; y < size; y++) {
    for (let t = 0; t < width; t++) {
      const sourceStart = taps[t * size + y] * size;
      for (let x = 0; x < size; x++) {
        out[y * size + x] += rows[sourceStart + x];
      }
    }
  }
  for (let j = 0; j < size * size; j++) {
    out[j] *= normalization;
  }
}

/**
 * Generates image `index` of the set (seed, options) into `target` (size × size, C order) and its parameters
 * into `parameters`. The draws come from the stream fromSeed(seed, 'c-alpha', index) in a fixed order: contour
 * noise, background noise, u₁, u₂, the contrast coin, then the orientation bits.
 */
function generateOne(
  options: CAlphaOptions,
  seed: number,
  index: number,
  target: Float32Array,
  parameters: Float64Array,
): void {
  const size = options.size;
  const factor = 2 ** options.antialias;
  const fineSize = size * factor;
  const beta = options.beta ?? options.alpha;
  const work = getWorkspace(fineSize, options.alpha, beta, options.backgroundFilter);
  const stream = RandomStream.fromSeed(seed, 'c-alpha', index);

  // Step 1: contour row per column; the √factor keeps its amplitude in output pixels independent of antialias.
  fillSignedUniform(stream, work.contourRe);
  filterSignal1d(work.contourRe, work.contourIm, work.contourFilter);
  const amplitude = fineSize * Math.sqrt(factor);
  let rowSum = 0;
  for (let x = 0; x < fineSize; x++) {
    work.contourRe[x] = Math.round(work.contourRe[x] * amplitude) + fineSize / 2;
    rowSum += work.contourRe[x];
  }

  // Step 2: two backgrounds, filtered together as the real and imaginary parts of one field.
  if (!options.cartoon) {
    fillSignedUniform(stream, work.fieldRe);
    fillSignedUniform(stream, work.fieldIm);
    filterFieldPair2d(work.fieldRe, work.fieldIm, fineSize, work.backgroundFilter);
  }

  // Step 3: random contrast across the contour; cartoons take the middle of each range.
  const u1 = stream.uniform();
  const u2 = stream.uniform();
  const lowerIsBright = stream.uniform() < 0.5;
  const lowerRange: [number, number] = lowerIsBright ? [u1, 1] : [0, u2];
  const upperRange: [number, number] = lowerIsBright ? [0, u2] : [u1, 1];
  if (options.cartoon) {
    work.fieldRe.fill((lowerRange[0] + lowerRange[1]) / 2);
    work.fieldIm.fill((upperRange[0] + upperRange[1]) / 2);
  } else {
    rescaleToRange(work.fieldRe, lowerRange[0], lowerRange[1]);
    rescaleToRange(work.fieldIm, upperRange[0], upperRange[1]);
  }

  // Orientation: an optional transposition, then optional flips, applied when the image is written.
  let transposed = options.orientation === 'vertical';
  let flippedVertically = false;
  let flippedHorizontally = false;
  if (options.orientation === 'random') {
    transposed = stream.uniform() < 0.5;
    flippedVertically = stream.uniform() < 0.5;
    flippedHorizontally = stream.uniform() < 0.5;
  }

  // Step 4: region mask (1 from the contour row down), edge blur, and the composite image.
  const mask = options.blur > 1 ? work.mask : work.blurred;
  for (let y = 0; y < fineSize; y++) {
    const row = y * fineSize;
    for (let x = 0; x < fineSize; x++) {
      mask[row + x] = y < work.contourRe[x] ? 0 : 1;
    }
  }
  if (options.blur > 1) {
    boxBlur(work.mask, fineSize, options.blur, work.blurred, work.image);
  }
  const lower = work.fieldRe;
  const upper = work.fieldIm;
  const blurred = work.blurred;
  const identity = !transposed && !flippedVertically && !flippedHorizontally;
  if (options.antialias === 0 && identity) {
    // Fast path of the defaults: a convex combination of values in [0, 1] needs no clipping.
    for (let j = 0; j < fineSize * fineSize; j++) {
      target[j] = upper[j] + (lower[j] - upper[j]) * blurred[j];
    }
  } else {
    for (let j = 0; j < fineSize * fineSize; j++) {
      work.image[j] = upper[j] + (lower[j] - upper[j]) * blurred[j];
    }
    const image = options.antialias > 0 ? db2Downsample(work.image, fineSize, fineSize, options.antialias) : work.image;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sourceY = transposed ? x : y;
        const sourceX = transposed ? y : x;
        const targetY = flippedVertically ? size - 1 - y : y;
        const targetX = flippedHorizontally ? size - 1 - x : x;
        target[targetY * size + targetX] = clampToUnit(image[sourceY * size + sourceX]);
      }
    }
  }

  parameters[0] = lowerRange[0];
  parameters[1] = lowerRange[1];
  parameters[2] = upperRange[0];
  parameters[3] = upperRange[1];
  parameters[4] = rowSum / fineSize / factor;
  parameters[5] = transposed ? 1 : 0;
  parameters[6] = flippedVertically ? 1 : 0;
  parameters[7] = flippedHorizontally ? 1 : 0;
}

/** The 'c-alpha' generator. Parameters per image: the two regions' intensity ranges, contour mean row, orientation. */
export const cAlphaGenerator: ImageGenerator<CAlphaOptions> = {
  name: 'c-alpha',
  description: 'Two C^beta-regular regions separated by a C^alpha contour (piecewise-regular images)',
  options: {
    size: { type: 'integer', default: 80, min: 4, max: 4096, description: 'Image height and width in pixels.' },
    alpha: {
      type: 'number',
      default: 4,
      min: 0,
      exclusiveMin: true,
      max: 64,
      description: 'Contour regularity alpha: Fourier amplitudes of the contour decay as |k|^-alpha.',
    },
    beta: {
      type: 'number',
      default: null,
      min: 0,
      exclusiveMin: true,
      max: 64,
      description: 'Background regularity beta: field amplitudes decay as |k|^-beta; unset uses alpha.',
    },
    backgroundFilter: {
      type: 'string',
      default: 'radial',
      choices: ['radial', 'separable'],
      description: 'Background filter: 1/|k|^beta (radial) or 1/(|ky| |kx|)^beta (separable).',
    },
    cartoon: {
      type: 'boolean',
      default: false,
      description: 'Constant intensity in each region (a pure cartoon image).',
    },
    blur: {
      type: 'integer',
      default: 2,
      min: 0,
      max: 64,
      description: 'Side in pixels of the box filter applied to the region mask; 0 or 1 keeps a hard edge.',
    },
    antialias: {
      type: 'integer',
      default: 0,
      min: 0,
      max: 4,
      description: 'db2 antialiasing levels k: generate at 2^k times the size and downsample k times.',
    },
    orientation: {
      type: 'string',
      default: 'horizontal',
      choices: ['horizontal', 'vertical', 'random'],
      description: 'Contour direction; random applies a random transposition and flips to each image.',
    },
  },

  parameterNames(): string[] {
    return [...PARAMETER_NAMES];
  },

  generate(count: number, seed: number, partialOptions: Partial<CAlphaOptions> = {}, startIndex = 0): GeneratedImages {
    checkGenerateArguments('c-alpha', count, seed, startIndex);
    const options = resolveOptions(cAlphaGenerator, partialOptions);
    checkFineSize('c-alpha', options.size, options.antialias);
    const size = options.size;
    const images: ImageBatch = createImageBatch(count, size, size, 1);
    const parameters = new Float64Array(count * PARAMETER_NAMES.length);
    for (let i = 0; i < count; i++) {
      generateOne(
        options,
        seed,
        startIndex + i,
        images.data.subarray(i * size * size, (i + 1) * size * size),
        parameters.subarray(i * PARAMETER_NAMES.length, (i + 1) * PARAMETER_NAMES.length),
      );
    }
    return { images, parameters };
  },
};
