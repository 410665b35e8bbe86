/**
 * Cosine similarity between images, the study's measure of how close a sample is to another sample or to
 * a training image. Two variants:
 * - mean-removed (default): each image minus its own mean over all pixels and channels, then the normalised
 *   inner product, i.e. the Pearson correlation of the pixel values. The authors used it to de-duplicate
 *   CelebA (threshold 0.95), and it is most likely what the study's similarity histograms show.
 * - raw: the normalised inner product of the images as they are.
 * An image whose (mean-removed) values have a root mean square below 1e-6 counts as constant and has
 * similarity 0 with everything.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, sliceImageBatch, type ImageBatch } from '@gahb/core';

export interface SimilarityOptions {
  /** Subtract each image's mean before normalising. Default true. */
  meanRemoved?: boolean;
}

export interface NearestNeighborOptions extends SimilarityOptions {
  /** Training images compared per matrix product. Default 4096 (about 100 MB of 80x80 images). */
  chunkSize?: number;
}

/** Nearest training image of each query. */
export interface NearestNeighbors {
  /** Index into the training set of the most similar image of each query (the lowest index on ties). */
  index: Int32Array;
  /** Similarity of each query to that image. */
  similarity: Float32Array;
}

/** Root mean square below which an image counts as constant. */
const CONSTANT_IMAGE_RMS = 1e-6;

/** Returns the images of `batch` as rows of unit norm, [n, pixels], on the active backend. */
export function normalizedRows(batch: ImageBatch, meanRemoved: boolean): tf.Tensor2D {
  assertImageBatch(batch, 'images');
  const [n, height, width, channels] = batch.shape;
  const pixelCount = height * width * channels;
  return tf.tidy(() => {
    let rows: tf.Tensor2D = tf.tensor2d(batch.data, [n, pixelCount]);
    if (meanRemoved) {
      rows = tf.sub(rows, tf.mean(rows, 1, true));
    }
    const norms = tf.sqrt(tf.sum(tf.square(rows), 1, true));
    const isConstant = tf.less(norms, CONSTANT_IMAGE_RMS * Math.sqrt(pixelCount));
    const safeNorms = tf.where(isConstant, tf.onesLike(norms), norms);
    return tf.where(tf.broadcastTo(isConstant, rows.shape), tf.zerosLike(rows), tf.div(rows, safeNorms)) as tf.Tensor2D;
  });
}

/** Clips float32 rounding (an image with itself can give 1.0000001) so similarities stay in [−1, 1]. */
function clipToUnit<T extends tf.Tensor>(similarities: T): T {
  return tf.clipByValue(similarities, -1, 1);
}

/**
 * Returns 1/‖t − t̄‖ (or 1/‖t‖ without mean removal) of each of the `count` images in `data`, accumulated in
 * float64, and 0 for images that count as constant.
 */
function inverseCenteredNorms(data: Float32Array, count: number, meanRemoved: boolean): Float32Array {
  const pixelCount = data.length / count;
  const inverseNorms = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    let sumOfSquares = 0;
    for (let k = i * pixelCount; k < (i + 1) * pixelCount; k++) {
      sum += data[k];
      sumOfSquares += data[k] * data[k];
    }
    const squaredNorm = meanRemoved ? sumOfSquares - (sum * sum) / pixelCount : sumOfSquares;
    const norm = Math.sqrt(Math.max(0, squaredNorm));
    inverseNorms[i] = norm < CONSTANT_IMAGE_RMS * Math.sqrt(pixelCount) ? 0 : 1 / norm;
  }
  return inverseNorms;
}

/**
 * Throws when an image of `batch` contains NaN or ±Infinity. Such an image has no defined similarity: the
 * backend would return NaN, which the nearest-neighbour search then reports as similarity −Infinity.
 */
function checkFiniteImages(batch: ImageBatch, name: string): void {
  const data = batch.data;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const imageSize = data.length / batch.shape[0];
      throw new Error(
        `${name} contain a non-finite value (${data[k]}) in image ${Math.floor(k / imageSize)}; ` +
          'similarities need finite pixel values, so remove or regenerate that image.',
      );
    }
  }
}

/** Checks that `a` and `b` are contiguous batches of the same image shape with finite values. */
function checkSameImageShape(a: ImageBatch, b: ImageBatch, nameA: string, nameB: string): void {
  assertImageBatch(a, nameA);
  assertImageBatch(b, nameB);
  checkFiniteImages(a, nameA);
  checkFiniteImages(b, nameB);
  const shapeA = a.shape.slice(1).join('x');
  const shapeB = b.shape.slice(1).join('x');
  if (shapeA !== shapeB) {
    throw new Error(`${nameA} are ${shapeA} images but ${nameB} are ${shapeB}; compare images of the same height, width and channels.`);
  }
}

/**
 * Returns the similarity of every image of `a` to every image of `b`, a row-major [a.n, b.n] matrix.
 * Both batches are [n, height, width, channels] with equal image shapes.
 */
export function cosineSimilarity(a: ImageBatch, b: ImageBatch, options: SimilarityOptions = {}): Float32Array {
  checkSameImageShape(a, b, 'images a', 'images b');
  const meanRemoved = options.meanRemoved ?? true;
  const product = tf.tidy(() => clipToUnit(tf.matMul(normalizedRows(a, meanRemoved), normalizedRows(b, meanRemoved), false, true)));
  try {
    return Float32Array.from(product.dataSync());
  } finally {
    product.dispose();
  }
}

/** Returns the similarity of a[i] and b[i] for each i; the batches have the same shape [n, height, width, channels]. */
export function pairedSimilarity(a: ImageBatch, b: ImageBatch, options: SimilarityOptions = {}): Float32Array {
  checkSameImageShape(a, b, 'images a', 'images b');
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(`pairedSimilarity: images a has ${a.shape[0]} images but images b has ${b.shape[0]}; pair batches of equal size.`);
  }
  const meanRemoved = options.meanRemoved ?? true;
  const products = tf.tidy(() => clipToUnit(tf.sum(tf.mul(normalizedRows(a, meanRemoved), normalizedRows(b, meanRemoved)), 1)));
  try {
    return Float32Array.from(products.dataSync());
  } finally {
    products.dispose();
  }
}

/**
 * Finds the most similar training image of each query by exact search: the training set is compared in
 * chunks of `chunkSize` images, each with one matrix product on the backend. `queries` and `training` are
 * [n, height, width, channels] with equal image shapes.
 */
export async function nearestNeighbors(
  queries: ImageBatch,
  training: ImageBatch,
  options: NearestNeighborOptions = {},
): Promise<NearestNeighbors> {
  checkSameImageShape(queries, training, 'queries', 'training images');
  const chunkSize = options.chunkSize ?? 4096;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new Error(`nearestNeighbors: chunkSize ${chunkSize} is invalid: use an integer >= 1.`);
  }
  const trainingCount = training.shape[0];
  if (trainingCount === 0) {
    throw new Error('nearestNeighbors: the training set is empty; pass at least one training image.');
  }
  const meanRemoved = options.meanRemoved ?? true;
  const queryCount = queries.shape[0];
  const pixelCount = queries.shape[1] * queries.shape[2] * queries.shape[3];
  const index = new Int32Array(queryCount);
  const similarity = new Float32Array(queryCount).fill(-Infinity);

  // Queries as columns [pixels, queries]. The wasm backend multiplies by a transposed right operand about
  // 5 times slower than by a plain one (measured on 100 x 6400 by 6400 x 4096 products). So the large
  // training chunk is the left operand, and only the small query matrix is transposed, once.
  const queryColumns = tf.tidy(() => tf.transpose(normalizedRows(queries, meanRemoved)));
  try {
    for (let start = 0; start < trainingCount; start += chunkSize) {
      const end = Math.min(start + chunkSize, trainingCount);
      const chunk = sliceImageBatch(training, start, end);
      const inverseNorms = inverseCenteredNorms(chunk.data, end - start, meanRemoved);
      // The queries are mean-removed, so ⟨q − q̄, t⟩ = ⟨q − q̄, t − t̄⟩: the training images need no centring,
      // only their norms, which saves passes over the chunk on the backend.
      const [best, bestIndex] = tf.tidy(() => {
        const images = tf.tensor2d(chunk.data, [end - start, pixelCount]);
        const products = tf.matMul(images, queryColumns);
        const similarities = clipToUnit(tf.mul(products, tf.tensor2d(inverseNorms, [end - start, 1])));
        return [tf.max(similarities, 0), tf.argMax(similarities, 0)];
      });
      const [bestValues, bestIndices] = await Promise.all([best.data(), bestIndex.data()]);
      best.dispose();
      bestIndex.dispose();
      // A later chunk replaces the current best only when strictly better, so ties keep the lowest index.
      for (let q = 0; q < queryCount; q++) {
        if (bestValues[q] > similarity[q]) {
          similarity[q] = bestValues[q];
          index[q] = start + bestIndices[q];
        }
      }
    }
  } finally {
    queryColumns.dispose();
  }
  return { index, similarity };
}
