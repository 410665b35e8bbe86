// Jacobian A(y) = ∂x̂/∂y of a denoiser at one image, dense (batched vector-Jacobian products with one-hot
// cotangents) or matrix-free (products A v and Aᵀu), and the sanity checks of a bias-free denoiser: A(y)y = x̂(y)
// (Kadkhodaie et al., ICLR 2024, eq. 6), agreement with finite differences, and the relative asymmetry.
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, RandomStream, startProgress, type ImageBatch } from '@gahb/core';
import { columnTiles, tileDirections } from './column-tiles';
import { computeJacobianShares, type JacobianShare } from './jacobian-threads';
import type { Denoiser, LinearizedDenoiser } from '@gahb/backend';

/**
 * Method of the Jacobian. 'vector-jacobian' uses batched vector-Jacobian products, a forward and a backward
 * pass per batch of rows, and works with any differentiable denoiser. 'linearized' uses the denoiser's
 * `linearize`, one forward pass per batch of columns. 'auto' (default) is 'linearized' when the denoiser
 * has `linearize` and 'vector-jacobian' otherwise.
 */
export type JacobianMethod = 'auto' | 'vector-jacobian' | 'linearized';

/** Options of {@link computeJacobian}. */
export interface JacobianOptions {
  /** Noise level passed to `denoiser.denoise` (pixel units of [0, 1] images); blind denoisers ignore it. */
  sigma?: number;
  /**
   * Rows per backward pass (the batch of image copies), or at most this many columns per forward pass of the
   * linearization (windowed columns come by square tiles of ⌊√(chunkSize/channels)⌋ pixels a side). Default 64.
   */
  chunkSize?: number;
  /** Called after each chunk with the number of rows done and the number requested (d for the full Jacobian). */
  onProgress?: (rowsDone: number, rows: number) => void;
  /** See {@link JacobianMethod}. Default 'auto'. */
  method?: JacobianMethod;
  /**
   * Worker threads that share the rows or columns, each with its own TensorFlow.js backend instance (wasm
   * or cpu, which run one thread each). Default 1 (the calling thread). More than 1 needs a denoiser with
   * `workerRecipe` (the networks of @gahb/models have one) and costs each worker about a second to start.
   */
  threads?: number;
  /**
   * Columns by the linearization: when the linearized denoiser has `applyLocal` (the networks of
   * @gahb/models), pass it each batch of one-hot directions as the tile of pixels they cover, so that the
   * network computes its first layers on a window around the tile. Default true; false applies the
   * linearization to whole one-hot images (the same columns, for comparison).
   */
  windowed?: boolean;
}

/** Options of the matrix-free products. */
export interface JacobianProductOptions {
  /** Noise level passed to `denoiser.denoise`. */
  sigma?: number;
  /** Method of the products A v ({@link JacobianMethod}); Aᵀu is always a vector-Jacobian product. Default 'auto'. */
  method?: JacobianMethod;
}

/** Result of {@link jacobianChecks}. */
export interface JacobianChecks {
  /** ‖A y − x̂(y)‖ / ‖x̂(y)‖: 0 up to rounding for a bias-free network whose ReLU pattern is constant near y. */
  homogeneityError: number;
  /** ‖(x̂(y + εv) − x̂(y − εv))/(2ε) − A v‖ / ‖A v‖ for a random unit direction v. */
  finiteDifferenceError: number;
  /** ‖A − Aᵀ‖_F / ‖A‖_F. */
  asymmetry: number;
}

/** Options of {@link jacobianChecks}. */
export interface JacobianCheckOptions {
  sigma?: number;
  /** Seed of the random direction of the finite-difference check. Default 0. */
  seed?: number;
  /** Step ε of the central difference as a fraction of ‖y‖ (v has unit length). Default 1e-3. */
  relativeStep?: number;
}

/** Returns the image size d = height·width·channels of a one-image batch, or throws. */
export function imageDimension(image: ImageBatch, caller: string): number {
  assertImageBatch(image, `${caller}: image`);
  const [n, height, width, channels] = image.shape;
  if (n !== 1) {
    throw new Error(`${caller}: image has ${n} images; pass one image [1, height, width, channels] (sliceImageBatch(batch, i, i + 1)).`);
  }
  return height * width * channels;
}

/**
 * Computes the dense Jacobian A(y) of `denoiser` at `image` ([1, height, width, channels]) as a d×d row-major
 * Float64Array, d = height·width·channels; row i is the gradient of output pixel i (index in row-major order
 * over height, width, channels). By vector-Jacobian products, each backward pass differentiates Σ x̂(Y) ⊙ U
 * over a batch Y of `chunkSize` copies of y with one-hot cotangents U, so it yields `chunkSize` rows. By the
 * linearization, each forward pass applies A(y) to `chunkSize` one-hot directions and yields as many
 * columns. The denoiser must treat batch entries independently (batch norm in evaluation mode).
 */
export async function computeJacobian(denoiser: Denoiser, image: ImageBatch, options: JacobianOptions = {}): Promise<Float64Array> {
  const d = imageDimension(image, 'computeJacobian');
  if (resolveMethod(denoiser, options.method, 'computeJacobian') === 'vector-jacobian') {
    return computeJacobianRows(denoiser, image, 0, d, options);
  }
  // Column j of A is row j of Aᵀ, so the columns are transposed in place to keep one d×d array.
  const jacobian = await computeJacobianColumns(denoiser, image, 0, d, options);
  transposeInPlace(jacobian, d);
  return jacobian;
}

/**
 * Computes columns first…first+count−1 of the Jacobian A(y) with the denoiser's `linearize` (one forward
 * pass per `chunkSize` columns), returned as count×d row-major: row k is column first + k, the response
 * A(y)e_j of the denoiser to a unit change of input pixel j = first + k.
 */
export async function computeJacobianColumns(
  denoiser: Denoiser,
  image: ImageBatch,
  first: number,
  count: number,
  options: JacobianOptions = {},
): Promise<Float64Array> {
  const d = imageDimension(image, 'computeJacobianColumns');
  checkRange(first, count, d, 'computeJacobianColumns', 'columns');
  resolveMethod(denoiser, 'linearized', 'computeJacobianColumns');
  const chunkSize = checkedChunkSize(options.chunkSize, 'computeJacobianColumns');
  const threads = checkedThreads(options.threads, 'computeJacobianColumns');
  const windowed = options.windowed ?? true;
  if (threads > 1) {
    const share = { kind: 'columns' as const, first, count, chunkSize, sigma: options.sigma, windowed };
    return inThreads('computeJacobianColumns', denoiser, image, share, threads, options);
  }
  const shape = image.shape as [number, number, number, number];
  const linearized = linearizeAt(denoiser, image, options.sigma);
  try {
    const label = `jacobian ${denoiser.name}`;
    const applyLocal = linearized.applyLocal;
    if (windowed && applyLocal !== undefined) {
      const tiles = columnTiles(shape, first, count, chunkSize);
      const batches = tiles.map((tile) => tile.columns.map((column) => column - first));
      return await computeInBatches(label, 'columns', count, d, batches, options.onProgress, (_, index) => {
        const tile = tiles[index];
        const directions = tileDirections(tile, shape);
        try {
          return applyLocal.call(linearized, directions, tile.top, tile.left);
        } finally {
          directions.dispose();
        }
      });
    }
    return await computeInBatches(label, 'columns', count, d, contiguousBatches(count, chunkSize), options.onProgress, (batch) => {
      const directions = oneHotCotangents(batch.length, shape, first + batch[0], d);
      try {
        return linearized.apply(directions);
      } finally {
        directions.dispose();
      }
    });
  } finally {
    linearized.dispose();
  }
}

/** Returns the offsets 0…count−1 in consecutive batches of chunkSize (the last one maybe smaller). */
function contiguousBatches(count: number, chunkSize: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += chunkSize) {
    batches.push(Array.from({ length: Math.min(chunkSize, count - start) }, (_, k) => start + k));
  }
  return batches;
}

/**
 * Runs `compute(batch, index)` for each batch of result offsets. Each call returns a [batch.length, …] tensor
 * of d values per item, and item k goes to row batch[k] of the count×d result. Logs progress.
 */
async function computeInBatches(
  label: string,
  unit: string,
  count: number,
  d: number,
  batches: ReadonlyArray<readonly number[]>,
  onProgress: JacobianOptions['onProgress'],
  compute: (batch: readonly number[], index: number) => tf.Tensor,
): Promise<Float64Array> {
  const result = new Float64Array(count * d);
  const progress = startProgress({ label, total: count, unit });
  let done = 0;
  for (const [index, batch] of batches.entries()) {
    const tensor = compute(batch, index);
    const values = await tensor.data();
    tensor.dispose();
    batch.forEach((offset, k) => result.set(values.subarray(k * d, (k + 1) * d), offset * d));
    done += batch.length;
    progress.tick(batch.length);
    onProgress?.(done, count);
  }
  progress.done();
  return result;
}

function linearizeAt(denoiser: Denoiser, image: ImageBatch, sigma: number | undefined): LinearizedDenoiser {
  const y = tf.tensor4d(image.data, image.shape as [number, number, number, number]);
  try {
    return (denoiser.linearize as NonNullable<Denoiser['linearize']>)(y, sigma === undefined ? undefined : { sigma });
  } finally {
    y.dispose();
  }
}

function resolveMethod(denoiser: Denoiser, method: JacobianMethod | undefined, caller: string): 'vector-jacobian' | 'linearized' {
  const chosen = method ?? 'auto';
  if (chosen !== 'auto' && chosen !== 'vector-jacobian' && chosen !== 'linearized') {
    throw new Error(`${caller}: method '${String(chosen)}' is invalid: use 'auto', 'vector-jacobian' or 'linearized'.`);
  }
  if (chosen === 'linearized' && typeof denoiser.linearize !== 'function') {
    throw new Error(`${caller}: denoiser ${denoiser.name} has no linearize method; use method 'vector-jacobian' (or 'auto').`);
  }
  if (chosen === 'auto') {
    return typeof denoiser.linearize === 'function' ? 'linearized' : 'vector-jacobian';
  }
  return chosen;
}

function checkRange(first: number, count: number, d: number, caller: string, unit: 'rows' | 'columns'): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || first + count > d) {
    throw new Error(`${caller}: ${unit} [${first}, ${first + count}) are invalid: use a range inside [0, d = ${d}).`);
  }
}

function checkedThreads(threads: number | undefined, caller: string): number {
  const count = threads ?? 1;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`${caller}: threads ${count} is invalid: use a positive integer (1 computes on the calling thread).`);
  }
  return count;
}

async function inThreads(
  caller: string,
  denoiser: Denoiser,
  image: ImageBatch,
  share: JacobianShare,
  threads: number,
  options: JacobianOptions,
): Promise<Float64Array> {
  const progress = startProgress({ label: `jacobian ${denoiser.name} (${threads} threads)`, total: share.count, unit: share.kind });
  let reported = 0;
  const result = await computeJacobianShares(caller, denoiser, image, share, threads, (done) => {
    progress.tick(done - reported);
    reported = done;
    options.onProgress?.(done, share.count);
  });
  progress.done();
  return result;
}

function checkedChunkSize(chunkSize: number | undefined, caller: string): number {
  // NOTE: vector-Jacobian rows with the default of 64 copies have been run at 40x40 only (80x80 with 16).
  const size = chunkSize ?? 64;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new Error(`${caller}: chunkSize ${size} is invalid: use a positive integer (rows per backward pass, or columns per forward pass).`);
  }
  return size;
}

function transposeInPlace(matrix: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const upper = matrix[i * d + j];
      matrix[i * d + j] = matrix[j * d + i];
      matrix[j * d + i] = upper;
    }
  }
}

/**
 * Computes rows first…first+count−1 of the Jacobian (count×d row-major) by batched vector-Jacobian products,
 * whatever `options.method` is. It serves to spread a large Jacobian over several processes or to time part
 * of it.
 */
export async function computeJacobianRows(
  denoiser: Denoiser,
  image: ImageBatch,
  first: number,
  count: number,
  options: JacobianOptions = {},
): Promise<Float64Array> {
  const d = imageDimension(image, 'computeJacobian');
  checkRange(first, count, d, 'computeJacobian', 'rows');
  const chunkSize = checkedChunkSize(options.chunkSize, 'computeJacobian');
  const threads = checkedThreads(options.threads, 'computeJacobian');
  if (threads > 1) {
    return inThreads('computeJacobian', denoiser, image, { kind: 'rows', first, count, chunkSize, sigma: options.sigma }, threads, options);
  }
  const shape = image.shape as [number, number, number, number];
  const denoiseOptions = options.sigma === undefined ? undefined : { sigma: options.sigma };
  const y = tf.tensor4d(image.data, shape);
  try {
    return await computeInBatches(`jacobian ${denoiser.name}`, 'rows', count, d, contiguousBatches(count, chunkSize), options.onProgress, (batch) => {
      const rows = batch.length;
      const cotangents = oneHotCotangents(rows, shape, first + batch[0], d);
      try {
        return tf.tidy(() => {
          const rowsOfChunk = tf.grad((copies: tf.Tensor) => tf.sum(tf.mul(denoiser.denoise(copies as tf.Tensor4D, denoiseOptions), cotangents)));
          return rowsOfChunk(tf.tile(y, [rows, 1, 1, 1]));
        });
      } finally {
        cotangents.dispose();
      }
    });
  } finally {
    y.dispose();
  }
}

/** Returns U [rows, h, w, c] with U[k] = one-hot at flat index firstRow + k. */
function oneHotCotangents(rows: number, shape: readonly number[], firstRow: number, d: number): tf.Tensor4D {
  const values = new Float32Array(rows * d);
  for (let k = 0; k < rows; k++) values[k * d + firstRow + k] = 1;
  return tf.tensor4d(values, [rows, shape[1], shape[2], shape[3]]);
}

/**
 * Returns Aᵀu = ∇_y ⟨x̂(y), u⟩ (one vector-Jacobian product) for u of length d, without forming A.
 */
export async function vectorJacobianProduct(
  denoiser: Denoiser,
  image: ImageBatch,
  u: ArrayLike<number>,
  options: JacobianProductOptions = {},
): Promise<Float64Array> {
  const { transposeProduct } = await jacobianProducts(denoiser, image, u, options, false);
  return transposeProduct;
}

/**
 * Returns A v without forming A: with the denoiser's `linearize` when it has one (see {@link JacobianMethod}),
 * otherwise by the double-VJP identity: g(u) = ⟨Aᵀu, v⟩ = uᵀAv is linear in u, so ∇_u g = A v exactly. The
 * latter differentiates the backward pass, so every kernel of the denoiser needs a gradient of its gradient
 * (tf.grad of tf.grad).
 */
export async function jacobianVectorProduct(
  denoiser: Denoiser,
  image: ImageBatch,
  v: ArrayLike<number>,
  options: JacobianProductOptions = {},
): Promise<Float64Array> {
  const { product } = await jacobianProductPair(denoiser, image, v, options);
  return product;
}

/**
 * Returns both A v and Aᵀv: one double-VJP evaluation (u = v in {@link jacobianVectorProduct}), or one
 * forward and one backward pass of the linearization; the symmetric part applied to v is (A v + Aᵀv)/2.
 */
export async function jacobianProductPair(
  denoiser: Denoiser,
  image: ImageBatch,
  v: ArrayLike<number>,
  options: JacobianProductOptions = {},
): Promise<{ product: Float64Array; transposeProduct: Float64Array }> {
  const products = openJacobianProducts(denoiser, image, options);
  try {
    return await products.pair(v);
  } finally {
    products.dispose();
  }
}

/** Products A v and Aᵀv at one image for many vectors v, from {@link openJacobianProducts}. */
export interface JacobianProducts {
  /** Returns A v and Aᵀv for v of length d. */
  pair(v: ArrayLike<number>): Promise<{ product: Float64Array; transposeProduct: Float64Array }>;
  /** Releases the linearization, if one was made. */
  dispose(): void;
}

/**
 * Opens the products A v and Aᵀv of `denoiser` at `image` for iterative methods (Lanczos, trace probes).
 * With the linearization the ReLU patterns are found once, here, and each pair costs one forward and one
 * backward pass of the linear map. Otherwise each pair is one double-VJP evaluation. Call `dispose` after use.
 */
export function openJacobianProducts(denoiser: Denoiser, image: ImageBatch, options: JacobianProductOptions = {}): JacobianProducts {
  const d = imageDimension(image, 'jacobianVectorProduct');
  const checkLength = (v: ArrayLike<number>): void => {
    if (v.length !== d) {
      throw new Error(`jacobianVectorProduct: vector has length ${v.length} but the image has d = ${d} values; pass a vector of length d.`);
    }
  };
  if (resolveMethod(denoiser, options.method, 'jacobianVectorProduct') === 'vector-jacobian') {
    return {
      pair: async (v) => {
        checkLength(v);
        return jacobianProducts(denoiser, image, v, options, true);
      },
      dispose: () => undefined,
    };
  }

  const shape = image.shape as [number, number, number, number];
  const linearized = linearizeAt(denoiser, image, options.sigma);
  return {
    pair: async (v) => {
      checkLength(v);
      let productTensor: tf.Tensor | null = null;
      // ∇_u ⟨A u, v⟩ = Aᵀv, evaluated at u = v, where the forward pass A u is A v.
      const transposeTensor = tf.tidy(() => {
        const direction = tf.tensor4d(Float32Array.from(v), shape);
        return tf.grad((point: tf.Tensor) => {
          const output = linearized.apply(point as tf.Tensor4D);
          productTensor = tf.keep(tf.clone(output));
          return tf.sum(tf.mul(output, direction));
        })(tf.clone(direction));
      });
      const productResult = productTensor as tf.Tensor | null;
      if (productResult === null) throw new Error('jacobianVectorProduct: the linearized product was not computed.');
      const product = Float64Array.from(await productResult.data());
      productResult.dispose();
      const transposeProduct = Float64Array.from(await transposeTensor.data());
      transposeTensor.dispose();
      return { product, transposeProduct };
    },
    dispose: () => linearized.dispose(),
  };
}

/** Computes Aᵀv (`withForward` false) or A v and Aᵀv by vector-Jacobian products only. */
async function jacobianProducts(
  denoiser: Denoiser,
  image: ImageBatch,
  v: ArrayLike<number>,
  options: JacobianProductOptions,
  withForward: boolean,
): Promise<{ product: Float64Array; transposeProduct: Float64Array }> {
  const d = imageDimension(image, 'jacobianVectorProduct');
  if (v.length !== d) {
    throw new Error(`jacobianVectorProduct: vector has length ${v.length} but the image has d = ${d} values; pass a vector of length d.`);
  }
  const shape = image.shape as [number, number, number, number];
  const denoiseOptions = options.sigma === undefined ? undefined : { sigma: options.sigma };

  let transposeTensor: tf.Tensor | null = null;
  const [productTensor] = tf.tidy((): tf.Tensor[] => {
    const y = tf.tensor4d(image.data, shape);
    const direction = tf.tensor4d(Float32Array.from(v), shape);
    // vjp(u) = Aᵀu = ∇_y ⟨x̂(y), u⟩.
    const vjp = (u: tf.Tensor) => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(denoiser.denoise(input as tf.Tensor4D, denoiseOptions), u)))(y);
    if (!withForward) {
      transposeTensor = tf.keep(vjp(direction));
      return [];
    }
    // ∇_u ⟨vjp(u), v⟩ = A v. The point u is a copy of v: with the same tensor as u and as the constant v, the
    // gradient would also flow through the constant and give (A + Aᵀ)v. At u = v the inner vjp is Aᵀv.
    const u = tf.clone(direction);
    const product = tf.grad((point: tf.Tensor) => {
      const inner = vjp(point);
      transposeTensor = tf.keep(tf.clone(inner));
      return tf.sum(tf.mul(inner, direction));
    })(u);
    return [product];
  });

  const transposeResult = transposeTensor as tf.Tensor | null;
  if (transposeResult === null) throw new Error('jacobianVectorProduct: the vector-Jacobian product was not computed.');
  const transposeProduct = Float64Array.from(await transposeResult.data());
  transposeResult.dispose();
  let product = new Float64Array(0);
  if (productTensor !== undefined) {
    product = Float64Array.from(await productTensor.data());
    productTensor.dispose();
  }
  return { product, transposeProduct };
}

/**
 * Runs the sanity checks of a Jacobian `jacobian` (d×d row-major, from {@link computeJacobian}) of `denoiser`
 * at `image`: homogeneity A y = x̂(y), a central finite difference along a random unit direction, and the
 * relative asymmetry ‖A − Aᵀ‖_F / ‖A‖_F.
 */
export async function jacobianChecks(
  denoiser: Denoiser,
  image: ImageBatch,
  jacobian: Float64Array,
  options: JacobianCheckOptions = {},
): Promise<JacobianChecks> {
  const d = imageDimension(image, 'jacobianChecks');
  if (jacobian.length !== d * d) {
    throw new Error(`jacobianChecks: jacobian has ${jacobian.length} entries but the image needs d² = ${d * d}.`);
  }
  const relativeStep = options.relativeStep ?? 1e-3;
  if (!(relativeStep > 0)) {
    throw new Error(`jacobianChecks: relativeStep ${relativeStep} is invalid: use a value > 0.`);
  }
  const y = Float64Array.from(image.data);
  const denoised = denoiseVector(denoiser, image, y, options.sigma);

  // Homogeneity: A y against x̂(y).
  const homogeneityError = relativeDistance(multiply(jacobian, d, y), denoised);

  // Central difference along a random unit direction v with step ε = relativeStep·‖y‖.
  const v = new Float64Array(d);
  RandomStream.fromSeed(options.seed ?? 0, 'jacobian-finite-difference').fillNormal(v, 0, 1);
  scale(v, 1 / norm(v));
  const epsilon = relativeStep * Math.max(norm(y), 1e-12);
  const plus = denoiseVector(denoiser, image, y.map((value, i) => value + epsilon * v[i]), options.sigma);
  const minus = denoiseVector(denoiser, image, y.map((value, i) => value - epsilon * v[i]), options.sigma);
  const difference = plus.map((value, i) => (value - minus[i]) / (2 * epsilon));
  const finiteDifferenceError = relativeDistance(difference, multiply(jacobian, d, v));

  return { homogeneityError, finiteDifferenceError, asymmetry: relativeAsymmetry(jacobian, d) };
}

/** Returns ‖A − Aᵀ‖_F / ‖A‖_F of the d×d row-major matrix A (0 for the zero matrix). */
export function relativeAsymmetry(matrix: Float64Array, d: number): number {
  let differenceSquared = 0;
  let normSquared = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const value = matrix[i * d + j];
      const difference = value - matrix[j * d + i];
      differenceSquared += difference * difference;
      normSquared += value * value;
    }
  }
  return normSquared > 0 ? Math.sqrt(differenceSquared / normSquared) : 0;
}

/** Returns x̂(values) as a Float64Array, `values` having the shape of `image`. */
export function denoiseVector(denoiser: Denoiser, image: ImageBatch, values: ArrayLike<number>, sigma: number | undefined): Float64Array {
  const shape = image.shape as [number, number, number, number];
  const result = tf.tidy(() => denoiser.denoise(tf.tensor4d(Float32Array.from(values), shape), sigma === undefined ? undefined : { sigma }));
  const data = Float64Array.from(result.dataSync());
  result.dispose();
  return data;
}

/** Returns M x for the d×d row-major M. */
export function multiply(matrix: Float64Array, d: number, x: ArrayLike<number>): Float64Array {
  const result = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) sum += matrix[row + j] * x[j];
    result[i] = sum;
  }
  return result;
}

export function norm(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return Math.sqrt(sum);
}

function scale(x: Float64Array, factor: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= factor;
}

/** Returns ‖a − b‖ / ‖b‖ (‖a − b‖ when b = 0). */
export function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let differenceSquared = 0;
  for (let i = 0; i < a.length; i++) differenceSquared += (a[i] - b[i]) ** 2;
  const reference = norm(b);
  return reference > 0 ? Math.sqrt(differenceSquared) / reference : Math.sqrt(differenceSquared);
}
