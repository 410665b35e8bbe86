/**
 * Loads sharp (libvips bindings) on first use instead of at import, so that `@gahb/core` still loads
 * where sharp's native binary is missing, and programs that never touch images skip its start-up cost.
 */
import type sharp from 'sharp';
import { errorMessage } from './error-message';

let sharpModule: typeof sharp | undefined;

/** Returns the sharp module. A failure to load it raises an error that explains how to reinstall sharp. */
export function loadSharp(): typeof sharp {
  if (sharpModule === undefined) {
    try {
      sharpModule = require('sharp') as typeof sharp;
    } catch (error) {
      throw new Error(
        `Image input and output need the sharp package, which failed to load: ${errorMessage(error)}. ` +
          'Reinstall it for this platform with `npm install sharp` (see https://sharp.pixelplumbing.com/install).',
        { cause: error },
      );
    }
  }
  return sharpModule;
}
