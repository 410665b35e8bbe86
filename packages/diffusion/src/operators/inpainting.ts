/**
 * Inpainting: every pixel outside a rectangular hole is measured, the hole is unknown. Kadkhodaie &
 * Simoncelli (NeurIPS 2021) demonstrate it with a 20x20 hole.
 */
import { checkImageShape, type MeasurementOperator } from '../measurement-operator';
import { createMaskOperator, pixelsToValueIndices } from './mask-operator';

/** The rectangular hole, in pixels; `top` and `left` are its top-left corner (the authors' code uses the centre). */
export interface InpaintingOptions {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Returns the operator that measures all pixels of [height, width, channels] images except those in the hole. */
export function inpainting(imageShape: readonly number[], hole: InpaintingOptions): MeasurementOperator {
  const [height, width, channels] = checkImageShape('inpainting', imageShape);
  for (const key of ['top', 'left', 'height', 'width'] as const) {
    if (!Number.isSafeInteger(hole[key]) || hole[key] < 0) {
      throw new Error(`inpainting: hole ${key} ${hole[key]} is invalid: use an integer >= 0.`);
    }
  }
  if (hole.height < 1 || hole.width < 1 || hole.top + hole.height > height || hole.left + hole.width > width) {
    throw new Error(
      `inpainting: hole rows [${hole.top}, ${hole.top + hole.height}) and columns [${hole.left}, ${hole.left + hole.width}) ` +
        `are invalid for ${height}x${width} images: use a non-empty hole inside the image.`,
    );
  }
  if (hole.height === height && hole.width === width) {
    throw new Error(`inpainting: a ${height}x${width} hole covers the whole image, so nothing is measured; use a smaller hole.`);
  }

  const pixels: number[] = [];
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const inHole = row >= hole.top && row < hole.top + hole.height && column >= hole.left && column < hole.left + hole.width;
      if (!inHole) {
        pixels.push(row * width + column);
      }
    }
  }
  const name = `inpainting (${hole.height}x${hole.width} hole at row ${hole.top}, column ${hole.left})`;
  return createMaskOperator(name, [height, width, channels], pixelsToValueIndices(pixels, channels));
}
