/**
 * Random pixels: a seeded random subset of ⌊p · height · width⌋ pixel positions is measured, in all channels.
 */
import { RandomStream } from '@gahb/core';
import { checkFraction, checkImageShape, type MeasurementOperator } from '../measurement-operator';
import { createMaskOperator, pixelsToValueIndices } from './mask-operator';

export interface RandomPixelsOptions {
  /** Fraction p of the pixel positions that is measured, in (0, 1]. */
  fraction: number;
  /** Seed of the random choice of positions. */
  seed: number;
}

/** Returns the operator that measures a random fraction of the pixels of [height, width, channels] images. */
export function randomPixels(imageShape: readonly number[], options: RandomPixelsOptions): MeasurementOperator {
  const [height, width, channels] = checkImageShape('randomPixels', imageShape);
  checkFraction('randomPixels', 'fraction', options.fraction);
  const pixelCount = height * width;
  const keptCount = Math.max(1, Math.floor(options.fraction * pixelCount));

  const order = RandomStream.fromSeed(options.seed, 'random-pixels').permutation(pixelCount);
  const kept = order.subarray(0, keptCount).sort();
  const name = `random pixels (${keptCount} of ${pixelCount}, seed ${options.seed})`;
  return createMaskOperator(name, [height, width, channels], pixelsToValueIndices(kept, channels));
}
