// The Jacobian from a network's linearization (fixed ReLU patterns, one forward pass per batch of columns)
// against batched vector-Jacobian products of the same network, which share no code with it past the layers.
import * as tf from '@tensorflow/tfjs-core';
import { createImageBatch, RandomStream, type ImageBatch } from '@gahb/core';
import { initBackend, type Denoiser } from '@gahb/backend';
import { createNetwork, type BiasFreeNetwork } from '@gahb/models';
import {
  computeJacobian,
  computeJacobianColumns,
  computeJacobianRows,
  jacobianProductPair,
  openJacobianProducts,
  jacobianVectorProduct,
  multiply,
  vectorJacobianProduct,
} from '../src/jacobian';

let network: BiasFreeNetwork;
let image: ImageBatch;
const size = 8;
const d = size * size;

/**
 * Creates a bf-unet with batch-norm gains 1. Initial gains are ~0.003, which makes the network almost zero
 * and A ≈ I; gains of 1 give it a Jacobian far from the identity, with many ReLUs off.
 */
function unitGainUnet(config: Record<string, unknown>, seed: number): BiasFreeNetwork {
  const result = createNetwork('bf-unet', config, seed);
  const weights = result.getWeights();
  for (const [name, entry] of weights) {
    if (name.endsWith('.gammas')) entry.data.fill(1);
  }
  result.setWeights(weights);
  return result;
}

/** Returns one [1, side, side, channels] image of uniform values in [0, 1). */
function uniformImage(side: number, channels: number, seed: number): ImageBatch {
  const result = createImageBatch(1, side, side, channels);
  RandomStream.fromSeed(seed, 'linearized-test').fillUniform(result.data, 0, 1);
  return result;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  network = unitGainUnet({ blocks: 2, channels: 8 }, 3);
  image = uniformImage(size, 1, 5);
});

afterAll(() => network.dispose());

function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    reference += b[i] ** 2;
  }
  return Math.sqrt(difference / reference);
}

/** Returns A − I, the Jacobian of the network's noise prediction, which carries all of its structure. */
function withoutIdentity(jacobian: Float64Array): Float64Array {
  const result = Float64Array.from(jacobian);
  for (let i = 0; i < d; i++) result[i * d + i] -= 1;
  return result;
}

describe('linearized Jacobian', () => {
  test('equals the Jacobian from vector-Jacobian products', async () => {
    const denoiser = network.denoiser();
    const byProducts = await computeJacobian(denoiser, image, { method: 'vector-jacobian', chunkSize: 16 });
    const linearized = await computeJacobian(denoiser, image, { method: 'linearized', chunkSize: 24 });

    const noisePart = withoutIdentity(byProducts);
    expect(Math.sqrt(noisePart.reduce((sum, value) => sum + value * value, 0))).toBeGreaterThan(1);
    expect(relativeDifference(withoutIdentity(linearized), noisePart)).toBeLessThan(1e-5);
    // Homogeneity of the bias-free network: A(y) y = x̂(y).
    const denoised = network.denoiser().denoise;
    const y = tf.tensor4d(image.data, [1, size, size, 1]);
    const output = denoised(y);
    expect(relativeDifference(multiply(linearized, d, image.data), await output.data())).toBeLessThan(1e-5);
    y.dispose();
    output.dispose();
  });

  test('columns are the rows of the transpose', async () => {
    const denoiser = network.denoiser();
    const rows = await computeJacobianRows(denoiser, image, 0, d, { chunkSize: 32 });
    const columns = await computeJacobianColumns(denoiser, image, 10, 7, { chunkSize: 3 });
    const expected = new Float64Array(7 * d);
    for (let k = 0; k < 7; k++) for (let i = 0; i < d; i++) expected[k * d + i] = rows[i * d + 10 + k];
    expect(relativeDifference(columns, expected)).toBeLessThan(1e-5);
  });

  test('matrix-free products agree with the double-VJP products', async () => {
    const denoiser = network.denoiser();
    const v = new Float64Array(d);
    RandomStream.fromSeed(6, 'direction').fillNormal(v, 0, 1);

    const linearized = await jacobianProductPair(denoiser, image, v, { method: 'linearized' });
    const doubleVjp = await jacobianProductPair(denoiser, image, v, { method: 'vector-jacobian' });
    expect(relativeDifference(linearized.product, doubleVjp.product)).toBeLessThan(1e-5);
    expect(relativeDifference(linearized.transposeProduct, await vectorJacobianProduct(denoiser, image, v))).toBeLessThan(1e-6);
    expect(relativeDifference(await jacobianVectorProduct(denoiser, image, v), doubleVjp.product)).toBeLessThan(1e-5);
  });

  test('product session reuses one linearization', async () => {
    const denoiser = network.denoiser();
    const products = openJacobianProducts(denoiser, image);
    try {
      for (const seed of [7, 8]) {
        const v = new Float64Array(d);
        RandomStream.fromSeed(seed, 'direction').fillNormal(v, 0, 1);
        const fromSession = await products.pair(v);
        const doubleVjp = await jacobianProductPair(denoiser, image, v, { method: 'vector-jacobian' });
        expect(relativeDifference(fromSession.product, doubleVjp.product)).toBeLessThan(1e-5);
        expect(relativeDifference(fromSession.transposeProduct, doubleVjp.transposeProduct)).toBeLessThan(1e-5);
      }
      await expect(products.pair(new Float64Array(d - 1))).rejects.toThrow('vector has length 63 but the image has d = 64 values');
    } finally {
      products.dispose();
    }
  });

  test('invalid linearized requests name the fix', async () => {
    const plain: Denoiser = { name: 'plain', denoise: (noisy) => network.denoiser().denoise(noisy) };
    await expect(computeJacobian(plain, image, { method: 'linearized' })).rejects.toThrow(
      "denoiser plain has no linearize method; use method 'vector-jacobian'",
    );
    await expect(computeJacobian(plain, image, { method: 'fast' as never })).rejects.toThrow("method 'fast' is invalid");
    await expect(computeJacobianColumns(plain, image, 0, 4)).rejects.toThrow('has no linearize method');
    await expect(computeJacobianColumns(network.denoiser(), image, 60, 5)).rejects.toThrow('columns [60, 65) are invalid');

    const y = tf.tensor4d(image.data, [1, size, size, 1]);
    const map = network.linearizedDenoiser(y);
    expect(() => map.apply(tf.zeros([2, size, size + 1, 1]) as never)).toThrow('do not match the image [1, 8, 8, 1]');
    map.dispose();
    expect(() => map.apply(y)).toThrow('this linearization was disposed');
    expect(() => network.linearizedDenoiser(tf.concat([y, y]) as never)).toThrow('linearize takes one image');
    y.dispose();
  });
});

describe('columns on windows (applyLocal)', () => {
  // An RGB image large enough that the first blocks' windows are much smaller than the image.
  const side = 24;
  let rgbNetwork: BiasFreeNetwork;
  let rgbImage: ImageBatch;
  beforeAll(() => {
    rgbNetwork = unitGainUnet({ blocks: 2, channels: 4, imageChannels: 3 }, 8);
    rgbImage = uniformImage(side, 3, 6);
  });
  afterAll(() => rgbNetwork.dispose());

  test('windowed columns match whole-image columns', async () => {
    const denoiser = rgbNetwork.denoiser();
    // Columns 100…399 start and end inside a pixel and inside tiles: pixel 33 (row 1) channel 1 to pixel 133
    // (row 5). Chunk 27 gives 3x3 tiles of 27 columns.
    const whole = await computeJacobianColumns(denoiser, rgbImage, 100, 300, { chunkSize: 27, windowed: false });
    const progress: number[] = [];
    const windowed = await computeJacobianColumns(denoiser, rgbImage, 100, 300, { chunkSize: 27, onProgress: (done) => progress.push(done) });
    expect(relativeDifference(windowed, whole)).toBeLessThan(1e-5);
    expect(progress[progress.length - 1]).toBe(300);
    expect(Math.max(...progress.slice(1).map((done, i) => done - progress[i]))).toBeLessThanOrEqual(27);

    // The rows of the transpose from vector-Jacobian products, an independent computation.
    const d = side * side * 3;
    const rows = await computeJacobianRows(denoiser, rgbImage, 0, d, { chunkSize: 64 });
    const columnsFromRows = new Float64Array(300 * d);
    for (let k = 0; k < 300; k++) for (let i = 0; i < d; i++) columnsFromRows[k * d + i] = rows[i * d + 100 + k];
    expect(relativeDifference(windowed, columnsFromRows)).toBeLessThan(1e-5);
  });

  test('windowed columns in two threads match one thread', async () => {
    const denoiser = rgbNetwork.denoiser();
    const oneThread = await computeJacobianColumns(denoiser, rgbImage, 50, 1000, { chunkSize: 48 });
    const twoThreads = await computeJacobianColumns(denoiser, rgbImage, 50, 1000, { chunkSize: 48, threads: 2 });
    expect(relativeDifference(twoThreads, oneThread)).toBeLessThan(1e-6);
  });
});

describe('Jacobian in worker threads', () => {
  test('two threads give the rows and columns of one thread', async () => {
    const denoiser = network.denoiser();
    const progress: number[] = [];
    const rows = await computeJacobianRows(denoiser, image, 5, 40, { chunkSize: 8 });
    const threadedRows = await computeJacobianRows(denoiser, image, 5, 40, { chunkSize: 8, threads: 2, onProgress: (done) => progress.push(done) });
    expect(relativeDifference(threadedRows, rows)).toBeLessThan(1e-6);
    expect(progress[progress.length - 1]).toBe(40);

    const full = await computeJacobian(denoiser, image, { chunkSize: 16 });
    const threadedFull = await computeJacobian(denoiser, image, { chunkSize: 16, threads: 3 });
    expect(relativeDifference(threadedFull, full)).toBeLessThan(1e-6);
  });

  test('invalid thread requests name the fix', async () => {
    const plain: Denoiser = { name: 'plain', denoise: (noisy) => network.denoiser().denoise(noisy) };
    await expect(computeJacobianRows(plain, image, 0, 8, { threads: 2 })).rejects.toThrow(
      'denoiser plain has no workerRecipe, so other threads cannot rebuild it; use threads: 1',
    );
    await expect(computeJacobian(network.denoiser(), image, { threads: 0 })).rejects.toThrow('threads 0 is invalid');
  });

  test('a worker that cannot build the denoiser fails the call with its reason', async () => {
    const broken: Denoiser = {
      ...network.denoiser(),
      workerRecipe: () => ({ module: '@gahb/models', exportName: 'noSuchExport', argument: {} }),
    };
    await expect(computeJacobian(broken, image, { threads: 2, chunkSize: 16 })).rejects.toThrow(
      /worker thread [12] of 2 failed: Error: module @gahb\/models has no function noSuchExport to rebuild the denoiser/,
    );
  });
});

