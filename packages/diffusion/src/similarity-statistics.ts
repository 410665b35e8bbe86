/**
 * Summary statistics of similarities used by reports: histograms (the study's Fig. 2 bottom row) and the
 * fraction of samples that copy a training image.
 */

export interface SimilarityHistogram {
  /** Bin edges, bins + 1 values from range[0] to range[1]; the last bin includes its upper edge. */
  edges: number[];
  /** Number of values in each bin. */
  counts: number[];
  /** Values below range[0]. */
  underflow: number;
  /** Values above range[1]. */
  overflow: number;
  /** NaN values, which fall in no bin. */
  invalid: number;
}

/** Counts `values` in `bins` equal bins over `range` (default [0, 1]). */
export function similarityHistogram(
  values: ArrayLike<number>,
  bins = 20,
  range: readonly [number, number] = [0, 1],
): SimilarityHistogram {
  if (!Number.isSafeInteger(bins) || bins < 1) {
    throw new Error(`similarityHistogram: bins ${bins} is invalid: use an integer >= 1.`);
  }
  const [low, high] = range;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new Error(`similarityHistogram: range [${low}, ${high}] is invalid: use finite bounds with low < high.`);
  }
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? high : low + k * width));
  const histogram: SimilarityHistogram = { edges, counts: new Array<number>(bins).fill(0), underflow: 0, overflow: 0, invalid: 0 };
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isNaN(value)) {
      histogram.invalid++;
    } else if (value < low) {
      histogram.underflow++;
    } else if (value > high) {
      histogram.overflow++;
    } else {
      histogram.counts[Math.min(bins - 1, Math.floor((value - low) / width))]++;
    }
  }
  return histogram;
}

/**
 * Returns the fraction of samples whose nearest-training similarity exceeds `threshold` (default 0.95, the
 * threshold the study used to de-duplicate its training set). An empty input gives NaN.
 */
export function copyFraction(nearestSimilarities: ArrayLike<number>, threshold = 0.95): number {
  if (nearestSimilarities.length === 0) {
    return Number.NaN;
  }
  let copies = 0;
  for (let i = 0; i < nearestSimilarities.length; i++) {
    if (nearestSimilarities[i] > threshold) {
      copies++;
    }
  }
  return copies / nearestSimilarities.length;
}
