/**
 * Disks: images of one disk whose centre (2 parameters), radius (1), foreground intensity (1) and background
 * intensity (1) vary, a manifold of up to 5 dimensions (Kadkhodaie et al., ICLR 2024, section 3.2 and figure 5,
 * where all five vary). The ranges follow the study's generator scaled to the image size: radius in
 * [3/80, 38/80) of the size, centre such that the disk stays inside (anywhere with `wrap`), intensities U(0, 1).
 *
 * Rendering: each sample of a grid 2^antialias times finer takes the value bg + (fg − bg)·coverage with
 * coverage = smoothstep(t) = t²(3 − 2t), t = clamp((r − d)·2^antialias + ½, 0, 1) and d the sample's distance to
 * the centre. This edge profile, one fine sample wide, approximates the area of the sample inside the disk and
 * makes the image continuously differentiable in the parameters, so the manifold has a tangent space that
 * central differences compute accurately. The study's generator thresholds d ≤ r instead. Then `antialias` db2
 * low-pass levels (see wavelet.ts) bring the image to the output size. Fine sample positions include the db2
 * filter's centre offset, so the parameters are positions and lengths in output pixels, pixel j centred on j.
 */
import { RandomStream, createImageBatch } from '@gahb/core';
import { clampToUnit } from './clamp';
import type { GeneratedImages, ManifoldGenerator } from './generator';
import { checkFineSize, checkGenerateArguments, checkParameterVector, resolveOptions } from './options';
import { db2Downsample, fineSamplePosition } from './wavelet';

/** Options of the 'disks' generator. */
export interface DiskOptions {
  /** Image height and width in pixels. */
  size: number;
  /** Vary the centre (2 dimensions); otherwise the disk is centred in the image. */
  translate: boolean;
  /** Vary the radius (1 dimension); otherwise it is size/4. */
  scale: boolean;
  /** Vary the disk intensity (1 dimension); otherwise it is 1. */
  foreground: boolean;
  /** Vary the background intensity (1 dimension); otherwise it is 0. */
  background: boolean;
  /** Continuous parameters; false draws integer centres and radii (pixels). */
  continuous: boolean;
  /** Let the disk cross the borders and wrap around periodically; the centre is then anywhere in the image. */
  wrap: boolean;
  /** Smallest radius as a fraction of the size. */
  minRadius: number;
  /** Largest radius (exclusive) as a fraction of the size. */
  maxRadius: number;
  /** Number of db2 antialiasing levels k: render at 2^k times the size, then downsample k times. */
  antialias: number;
  /**
   * Clip intensities to [0, 1]. Next to a straight edge the db2 low-pass overshoots by about 9 % of the contrast,
   * because its 1-D step response peaks at 1.0915.
   */
  clip: boolean;
}

const PARAMETER_NAMES = ['centerX', 'centerY', 'radius', 'foreground', 'background'];

/** Draws the parameter vector of image `index`: radius, centre x, centre y, foreground, background, in that order. */
function drawParameters(options: DiskOptions, seed: number, index: number, out: Float64Array): void {
  const size = options.size;
  const stream = RandomStream.fromSeed(seed, 'disks', index);
  const radiusDraw = stream.uniform();
  const centerXDraw = stream.uniform();
  const centerYDraw = stream.uniform();
  const foregroundDraw = stream.uniform();
  const backgroundDraw = stream.uniform();

  const minRadius = options.minRadius * size;
  const maxRadius = options.maxRadius * size;
  let radius = size / 4;
  if (options.scale) {
    radius = options.continuous
      ? minRadius + (maxRadius - minRadius) * radiusDraw
      : Math.ceil(minRadius) + Math.floor((Math.ceil(maxRadius) - Math.ceil(minRadius)) * radiusDraw);
  }

  // The image covers [−½, size − ½] in pixel coordinates.
  const low = options.wrap ? -0.5 : radius - 0.5;
  const high = options.wrap ? size - 0.5 : size - 0.5 - radius;
  const center = (draw: number): number => {
    if (!options.translate) {
      return (size - 1) / 2;
    }
    if (options.continuous) {
      return low + (high - low) * draw;
    }
    const first = Math.ceil(low);
    const last = Math.max(first, Math.floor(high));
    return first + Math.min(last - first, Math.floor((last - first + 1) * draw));
  };

  out[0] = center(centerXDraw);
  out[1] = center(centerYDraw);
  out[2] = radius;
  out[3] = options.foreground ? foregroundDraw : 1;
  out[4] = options.background ? backgroundDraw : 0;
}

/** Renders parameters [centerX, centerY, radius, foreground, background] into a size × size Float64Array. */
function renderDisk(parameters: ArrayLike<number>, options: DiskOptions): Float64Array {
  const size = options.size;
  const levels = options.antialias;
  checkFineSize('disks', size, levels);
  const factor = 2 ** levels;
  const fineSize = size * factor;
  const [centerX, centerY, radius, foreground, background] = Array.from(parameters);

  // Distance along one axis from every fine sample position to the centre, wrapped when asked.
  const offsets = (center: number): Float64Array => {
    const values = new Float64Array(fineSize);
    for (let i = 0; i < fineSize; i++) {
      let delta = fineSamplePosition(i, levels) - center;
      if (options.wrap) {
        delta -= size * Math.round(delta / size);
      }
      values[i] = delta;
    }
    return values;
  };
  const dx = offsets(centerX);
  const dy = offsets(centerY);

  const fine = new Float64Array(fineSize * fineSize);
  const contrast = foreground - background;
  // Coverage is 1 for d ≤ r − ½·2^−k and 0 for d ≥ r + ½·2^−k; only the edge between needs a square root.
  const halfRamp = 0.5 / factor;
  const innerSquared = radius > halfRamp ? (radius - halfRamp) ** 2 : -1;
  const outerSquared = (radius + halfRamp) ** 2;
  for (let y = 0; y < fineSize; y++) {
    const dy2 = dy[y] * dy[y];
    const rowStart = y * fineSize;
    for (let x = 0; x < fineSize; x++) {
      const distanceSquared = dx[x] * dx[x] + dy2;
      let coverage: number;
      if (distanceSquared >= outerSquared) {
        coverage = 0;
      } else if (distanceSquared <= innerSquared) {
        coverage = 1;
      } else {
        const t = (radius - Math.sqrt(distanceSquared)) * factor + 0.5;
        const clamped = clampToUnit(t);
        coverage = clamped * clamped * (3 - 2 * clamped);
      }
      fine[rowStart + x] = background + contrast * coverage;
    }
  }

  const image = levels > 0 ? db2Downsample(fine, fineSize, fineSize, levels) : fine;
  if (options.clip) {
    for (let j = 0; j < image.length; j++) {
      image[j] = clampToUnit(image[j]);
    }
  }
  return image;
}

/** The 'disks' generator. Parameters per image: centerX, centerY, radius (pixels), foreground, background. */
export const disksGenerator: ManifoldGenerator<DiskOptions> = {
  name: 'disks',
  description: 'One disk with varying centre, radius, foreground and background intensity (a manifold of up to 5 dimensions)',
  options: {
    size: { type: 'integer', default: 80, min: 4, max: 4096, description: 'Image height and width in pixels.' },
    translate: { type: 'boolean', default: true, description: 'Vary the disk centre (2 dimensions).' },
    scale: { type: 'boolean', default: true, description: 'Vary the radius (1 dimension); otherwise size/4.' },
    foreground: { type: 'boolean', default: true, description: 'Vary the disk intensity (1 dimension); otherwise 1.' },
    background: { type: 'boolean', default: true, description: 'Vary the background intensity (1 dimension); otherwise 0.' },
    continuous: {
      type: 'boolean',
      default: true,
      description: 'Continuous centre and radius; false draws integers (pixels).',
    },
    wrap: { type: 'boolean', default: false, description: 'Let the disk wrap around the image borders periodically.' },
    minRadius: {
      type: 'number',
      default: 3 / 80,
      min: 0,
      exclusiveMin: true,
      max: 0.5,
      description: 'Smallest radius as a fraction of the size.',
    },
    maxRadius: {
      type: 'number',
      default: 38 / 80,
      min: 0,
      exclusiveMin: true,
      max: 0.5,
      description: 'Largest radius (exclusive) as a fraction of the size.',
    },
    antialias: {
      type: 'integer',
      default: 1,
      min: 0,
      max: 4,
      description: 'db2 antialiasing levels k: render at 2^k times the size and downsample k times.',
    },
    clip: { type: 'boolean', default: true, description: 'Clip intensities to [0, 1] after antialiasing.' },
  },

  parameterNames(): string[] {
    return [...PARAMETER_NAMES];
  },

  varyingParameters(options: DiskOptions): number[] {
    const varying: number[] = [];
    if (options.translate) {
      varying.push(0, 1);
    }
    if (options.scale) {
      varying.push(2);
    }
    if (options.foreground) {
      varying.push(3);
    }
    if (options.background) {
      varying.push(4);
    }
    return varying;
  },

  differenceSteps(): number[] {
    // Pixels for the geometry, intensity units for the rest; the image is piecewise linear in each of them.
    return [0.01, 0.01, 0.01, 0.01, 0.01];
  },

  render(parameters: ArrayLike<number>, partialOptions: Partial<DiskOptions> = {}): Float32Array {
    const options = resolveOptions(disksGenerator, partialOptions);
    checkParameterVector('disks', parameters, PARAMETER_NAMES);
    return Float32Array.from(renderDisk(parameters, options));
  },

  generate(count: number, seed: number, partialOptions: Partial<DiskOptions> = {}, startIndex = 0): GeneratedImages {
    checkGenerateArguments('disks', count, seed, startIndex);
    const options = resolveOptions(disksGenerator, partialOptions);
    if (options.minRadius >= options.maxRadius) {
      throw new Error(
        `disks: minRadius ${options.minRadius} must be below maxRadius ${options.maxRadius}: lower minRadius or raise maxRadius.`,
      );
    }
    const size = options.size;
    const images = createImageBatch(count, size, size, 1);
    const parameters = new Float64Array(count * PARAMETER_NAMES.length);
    for (let i = 0; i < count; i++) {
      const vector = parameters.subarray(i * PARAMETER_NAMES.length, (i + 1) * PARAMETER_NAMES.length);
      drawParameters(options, seed, startIndex + i, vector);
      images.data.set(renderDisk(vector, options), i * size * size);
    }
    return { images, parameters };
  },
};
