import { initBackend } from '@gahb/backend';
import { RandomStream } from '@gahb/core';
import { WienerDenoiser } from '@gahb/models';
import { inpainting, randomBasis, randomPixels, sample, solveInverseProblem, spectralSuperResolution, superResolution, type MeasurementOperator } from '../src';
import { lowRankPrior, posteriorMeanSquaredError } from '../test/support/gaussian-prior';

const size = 8;
const prior = lowRankPrior(size, [0.04, 0.03, 0.02, 0.015, 0.01]);
const d = size * size;
let denoiser: WienerDenoiser;

/** Returns μ + Σ √λ_k z_k u_k, an exact draw from the prior (its floor variance of 1e-7 omitted). */
function drawTruth(seed: number): Float32Array {
  const stream = RandomStream.fromSeed(seed, 'inverse-truth');
  const truth = Float32Array.from(prior.mean);
  prior.variances.forEach((variance, k) => {
    const coefficient = Math.sqrt(variance) * stream.normal();
    for (let p = 0; p < d; p++) {
      truth[p] += coefficient * prior.directions[k * d + p];
    }
  });
  return truth;
}

function meanSquaredError(images: Float32Array, truth: Float32Array): number {
  let total = 0;
  for (let k = 0; k < images.length; k++) {
    total += (images[k] - truth[k % d]) ** 2;
  }
  return total / images.length;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
});

afterAll(() => denoiser.dispose());

const shape: [number, number, number] = [size, size, 1];
const cases: Array<[string, () => MeasurementOperator]> = [
  ['inpainting', () => inpainting(shape, { top: 2, left: 3, height: 4, width: 4 })],
  ['randomPixels', () => randomPixels(shape, { fraction: 0.4, seed: 2 })],
  ['superResolution', () => superResolution(shape, { factor: 4 })],
  ['randomBasis', () => randomBasis(shape, { fraction: 0.25, seed: 2 })],
  ['spectralSuperResolution', () => spectralSuperResolution(shape, { fraction: 0.1 })],
];

describe.each(cases)('solveInverseProblem with %s', (_, create) => {
  const operator = create();
  const truth = drawTruth(17);
  const measurement = operator.forward(truth);
  const request = { count: 4, seed: 6, shape };
  const sigmaFinal = 0.01;

  test('keeps measured components and reduces error', async () => {
    const restored = await solveInverseProblem(denoiser, operator, measurement, request, { sigmaFinal });
    const unconstrained = await sample(denoiser, request, { sigmaFinal });

    for (let i = 0; i < request.count; i++) {
      const measured = operator.forward(restored.samples.data.subarray(i * d, (i + 1) * d));
      for (let k = 0; k < measured.length; k++) {
        expect(Math.abs(measured[k] - measurement[k])).toBeLessThan(1e-4);
      }
    }
    // Posterior samples are closer to the truth than prior samples. Their error is at most twice the exact
    // expected error of a Gaussian posterior draw (4 samples of a sum of a few squared normals), plus σ_L²
    // for the error of order σ_L per pixel left where the sampler stops.
    const restoredError = meanSquaredError(restored.samples.data, truth);
    const expectedError = posteriorMeanSquaredError(prior, (c) => operator.adjoint(c), operator.measurementSize, truth);
    expect(restoredError).toBeLessThan(meanSquaredError(unconstrained.samples.data, truth));
    expect(restoredError).toBeLessThan(2 * expectedError + sigmaFinal ** 2);
    expect(restored.status.every((status) => status === 'converged')).toBe(true);
  });
});

describe('solveInverseProblem', () => {
  test('accepts one measurement per sample', async () => {
    const operator = superResolution(shape, { factor: 2 });
    const truths = [drawTruth(1), drawTruth(2)];
    const measurements = new Float32Array(2 * operator.measurementSize);
    truths.forEach((truth, i) => measurements.set(operator.forward(truth), i * operator.measurementSize));
    const restored = await solveInverseProblem(denoiser, operator, measurements, { count: 2, seed: 3, shape });
    for (let i = 0; i < 2; i++) {
      const measured = operator.forward(restored.samples.data.subarray(i * d, (i + 1) * d));
      const expected = measurements.subarray(i * operator.measurementSize, (i + 1) * operator.measurementSize);
      for (let k = 0; k < measured.length; k++) {
        expect(Math.abs(measured[k] - expected[k])).toBeLessThan(1e-4);
      }
    }
  });

  test('rejects measurements of wrong length', async () => {
    const operator = superResolution(shape, { factor: 2 });
    await expect(solveInverseProblem(denoiser, operator, new Float32Array(5), { count: 2, seed: 3, shape })).rejects.toThrow(
      /the measurements have 5 values; expected 16 \(one for all samples\) or 32 \(one per sample\)/,
    );
  });

  test('rejects non-finite measurements', async () => {
    const operator = superResolution(shape, { factor: 2 });
    const measurement = new Float32Array(16).fill(0.5);
    measurement[3] = Number.NaN;
    await expect(solveInverseProblem(denoiser, operator, measurement, { count: 1, seed: 3, shape })).rejects.toThrow(
      'super-resolution (factor 2): measurement value 3 is NaN; measurements must be finite',
    );
  });

  test('rejects operator for another image shape', async () => {
    const operator = superResolution([4, 4, 1], { factor: 2 });
    await expect(solveInverseProblem(denoiser, operator, new Float32Array(4), { count: 1, seed: 3, shape })).rejects.toThrow(
      /the operator measures \[4, 4, 1\] images but the request asks for \[8, 8, 1\]/,
    );
  });
});
