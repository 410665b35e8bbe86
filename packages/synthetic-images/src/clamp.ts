/** Clipping of intensities to the [0, 1] range of an ImageBatch. */

/** Clips `value` to [0, 1]. */
export function clampToUnit(value: number): number {
  if (value < 0) {
    return 0;
  }
  return value > 1 ? 1 : value;
}
