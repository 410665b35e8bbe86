/**
 * Defaults and checks of the options every image source shares (size, channels, count, grayscale).
 */

import type { PrepareOptions } from '../data-source';
import type { GrayscaleMethod } from '../preprocess';

/** The shared options with defaults filled in. */
export interface CommonOptions {
  size: number;
  channels: 1 | 3;
  count: number | undefined;
  grayscale: GrayscaleMethod;
  skipBadFiles: boolean;
  seed: number;
}

/** Fills in defaults (size 80, 1 channel, mean grayscale, seed 0) and rejects invalid values. */
export function resolveCommonOptions(options: PrepareOptions): CommonOptions {
  const size = options.size ?? 80;
  const channels = options.channels ?? 1;
  const grayscale = options.grayscale ?? 'mean';
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new Error(`Image size ${size} is invalid: use a positive integer number of pixels, e.g. 80.`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(`channels ${String(channels)} is invalid: use 1 (grayscale) or 3 (RGB).`);
  }
  if (options.count !== undefined && (!Number.isSafeInteger(options.count) || options.count <= 0)) {
    throw new Error(`count ${options.count} is invalid: use a positive integer.`);
  }
  if (grayscale !== 'mean' && grayscale !== 'bt601') {
    throw new Error(`Grayscale method "${String(grayscale)}" is invalid: use "mean" or "bt601".`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`Seed ${seed} is invalid: use an integer >= 0.`);
  }
  return { size, channels, count: options.count, grayscale, skipBadFiles: options.skipBadFiles ?? false, seed };
}
