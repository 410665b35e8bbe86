import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type Denoiser } from '@gahb/backend';
import { RandomStream, imageBatchFromData } from '@gahb/core';
import { EmpiricalMmseDenoiser, WienerDenoiser } from '@gahb/models';
import { nearestNeighbors, sample, samplePaired, stepSize, type SamplerProgress } from '../src';
import { lowRankPrior, principalCoefficients, residualEnergy } from '../test/support/gaussian-prior';

/** Multiplies its input by a constant: with gain > 1 the residual grows every step, so the sampler diverges. */
class ScalingDenoiser implements Denoiser {
  constructor(readonly name: string, private readonly gain: number) {}
  denoise(noisy: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(noisy, this.gain);
  }
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('coarse-to-fine sampler', () => {
  test('Gaussian prior samples match moments', async () => {
    // A rank-2 Gaussian on 6x6 images with mean 0.45 (the sampler starts at 0.5). The constant schedule
    // with h = 0.05 and β = 0.5 keeps the sampler's own under-dispersion small, a variance deficit of at most
    // h²σ² per step in the high-variance directions. σ_L = 0.01 keeps the final denoising shrinkage
    // λ/(λ + σ_L²) above 0.99.
    const prior = lowRankPrior(6, [0.04, 0.02]);
    prior.mean.fill(0.45);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    const count = 300;
    const result = await sample(denoiser, { count, seed: 11, shape: prior.shape }, { schedule: 'constant', h0: 0.05, beta: 0.5, sigmaFinal: 0.01 });

    expect(result.status.every((status) => status === 'converged')).toBe(true);
    const coefficients = principalCoefficients(prior, result.samples.data, count);
    const rank = prior.variances.length;
    const means: number[] = [];
    const variances: number[] = [];
    for (let k = 0; k < rank; k++) {
      let mean = 0;
      for (let n = 0; n < count; n++) {
        mean += coefficients[n * rank + k] / count;
      }
      let variance = 0;
      for (let n = 0; n < count; n++) {
        variance += (coefficients[n * rank + k] - mean) ** 2 / (count - 1);
      }
      means.push(mean);
      variances.push(variance);
    }
    // Mean: within 4 standard errors √(λ_k/n) of 0 along each principal direction.
    for (let k = 0; k < rank; k++) {
      expect(Math.abs(means[k])).toBeLessThan(4 * Math.sqrt(prior.variances[k] / count));
    }
    // Variance: within 4 standard errors √(2/(n − 1)) of the relative variance, plus 0.05 for the sampler's
    // own bias. Seeds 11 to 13 give relative variances of 0.92 to 1.05. On 4x4 images they reach 1.3,
    // because ‖x̂(y) − y‖/√d underestimates σ when 2 of 16 directions carry signal.
    for (let k = 0; k < rank; k++) {
      expect(Math.abs(variances[k] / prior.variances[k] - 1)).toBeLessThan(4 * Math.sqrt(2 / (count - 1)) + 0.05);
    }
    // Covariance of the two directions: correlation within 4/√n of 0.
    let cross = 0;
    for (let n = 0; n < count; n++) {
      cross += ((coefficients[n * rank] - means[0]) * (coefficients[n * rank + 1] - means[1])) / (count - 1);
    }
    expect(Math.abs(cross / Math.sqrt(variances[0] * variances[1]))).toBeLessThan(4 / Math.sqrt(count));
    // Mean along the constant image (a low-variance direction): the 0.05 offset of the start is removed.
    const pixelMean = result.samples.data.reduce((sum, value) => sum + value, 0) / result.samples.data.length;
    expect(Math.abs(pixelMean - 0.45)).toBeLessThan(0.01);
    // Energy outside the principal directions: the prior has variance 1e-7 there.
    expect(Math.max(...residualEnergy(prior, result.samples.data, count))).toBeLessThan(1e-5);
    denoiser.dispose();
  });

  test('memorizer samples land on training images', async () => {
    const training = imageBatchFromData(RandomStream.fromSeed(5, 'training').fillUniform(new Float32Array(6 * 64)), [6, 8, 8, 1]);
    const denoiser = new EmpiricalMmseDenoiser(training);
    const result = await sample(denoiser, { count: 8, seed: 3, shape: [8, 8, 1] });

    expect(result.status).toEqual(new Array(8).fill('converged'));
    const nearest = await nearestNeighbors(result.samples, training);
    for (const similarity of nearest.similarity) {
      expect(similarity).toBeGreaterThan(0.99);
    }
    denoiser.dispose();
  });

  test('sample is independent of batch size and neighbours', async () => {
    const prior = lowRankPrior(4, [0.04, 0.02]);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    const request = { count: 6, seed: 21, shape: prior.shape };
    const together = await sample(denoiser, request);
    const inPairs = await sample(denoiser, request, { batchSize: 2 });
    const lastThree = await sample(denoiser, { ...request, count: 3, firstIndex: 3 });

    // Tolerance 1e-5: float32 matrix products over batches of different sizes may round differently.
    for (let k = 0; k < together.samples.data.length; k++) {
      expect(Math.abs(inPairs.samples.data[k] - together.samples.data[k])).toBeLessThan(1e-5);
    }
    expect(Array.from(inPairs.iterations)).toEqual(Array.from(together.iterations));
    const offset = 3 * 16;
    for (let k = 0; k < lastThree.samples.data.length; k++) {
      expect(Math.abs(lastThree.samples.data[k] - together.samples.data[offset + k])).toBeLessThan(1e-5);
    }
    denoiser.dispose();
  });

  test('samplePaired shares initial noise across denoisers', async () => {
    const prior = lowRankPrior(4, [0.04, 0.02]);
    const first = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape }, { name: 'first' });
    const second = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape }, { name: 'second' });
    const other = lowRankPrior(4, [0.01, 0.05]);
    const third = new WienerDenoiser({ mean: other.mean, covariance: other.covariance, shape: other.shape }, { name: 'third' });
    const request = { count: 3, seed: 8, shape: prior.shape };
    const [a, b, c] = await samplePaired([first, second, third], request, { trajectoryEvery: 5 });

    // Equal denoisers give equal samples; a different one starts from the same y₀ = 0.5 + σ₀·z.
    expect(Array.from(b.samples.data)).toEqual(Array.from(a.samples.data));
    for (let i = 0; i < 3; i++) {
      const z = RandomStream.fromSeed(8, 'initial-noise', i).fillNormal(new Float32Array(16));
      for (let k = 0; k < 16; k++) {
        expect(c.trajectory?.states[0].data[i * 16 + k]).toBeCloseTo(0.5 + z[k], 6);
        expect(a.trajectory?.states[0].data[i * 16 + k]).toBeCloseTo(0.5 + z[k], 6);
      }
    }
    expect(Array.from(c.samples.data)).not.toEqual(Array.from(a.samples.data));
    for (const denoiser of [first, second, third]) {
      denoiser.dispose();
    }
  });

  test('trajectory sigma decreases to sigmaFinal', async () => {
    const prior = lowRankPrior(8, [0.04, 0.02]);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    const result = await sample(denoiser, { count: 2, seed: 4, shape: prior.shape }, { trajectoryEvery: 10, finalDenoise: false });
    const trajectory = result.trajectory;
    if (trajectory === undefined) {
      throw new Error('no trajectory recorded');
    }

    for (let i = 0; i < 2; i++) {
      const sigma = trajectory.sigma[i];
      expect(sigma.length).toBe(result.iterations[i] + 1);
      expect(sigma[0]).toBeGreaterThan(0.8);
      expect(sigma[sigma.length - 1]).toBeLessThanOrEqual(0.05);
      expect(result.finalSigma[i]).toBeCloseTo(sigma[sigma.length - 1], 6);
      // The ramp schedule shrinks σ by about 1 − βh_t per step, so σ falls over 10 steps on average. The
      // estimate from 64 pixels fluctuates, so a rise of up to 30 % over 10 steps is tolerated.
      for (let t = 10; t < sigma.length; t++) {
        expect(sigma[t]).toBeLessThan(1.3 * sigma[t - 10]);
      }
    }
    const longest = Math.max(...result.iterations);
    expect(trajectory.steps).toEqual(Array.from({ length: Math.floor(longest / 10) + 1 }, (_, j) => 10 * j));
    expect(trajectory.states.length).toBe(trajectory.steps.length);
    expect(trajectory.denoised.length).toBe(trajectory.steps.length);
    // Without the final denoising step the result is the last state.
    for (let i = 0; i < 2; i++) {
      if (result.iterations[i] % 10 === 0) {
        const last = trajectory.states[result.iterations[i] / 10];
        expect(Array.from(last.data.subarray(i * 64, (i + 1) * 64))).toEqual(Array.from(result.samples.data.subarray(i * 64, (i + 1) * 64)));
      }
    }
    denoiser.dispose();
  });

  test('sampler disposes its tensors', async () => {
    const prior = lowRankPrior(4, [0.04, 0.02]);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    const before = tf.memory().numTensors;
    await sample(denoiser, { count: 3, seed: 2, shape: prior.shape }, { trajectoryEvery: 5, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    denoiser.dispose();
  });

  test('onProgress reports every step', async () => {
    const prior = lowRankPrior(4, [0.04, 0.02]);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    const events: SamplerProgress[] = [];
    const result = await sample(denoiser, { count: 4, seed: 9, shape: prior.shape }, { batchSize: 2, onProgress: (event) => events.push(event) });

    // One event per denoiser call: steps + 1 calls for the longest sample of each batch of 2.
    const expectedCalls = Math.max(result.iterations[0], result.iterations[1]) + 1 + Math.max(result.iterations[2], result.iterations[3]) + 1;
    expect(events.length).toBe(expectedCalls);
    expect(events[events.length - 1].finished).toBe(4);
    expect(events.every((event) => event.total === 4)).toBe(true);
    for (let k = 1; k < events.length; k++) {
      expect(events[k].finished).toBeGreaterThanOrEqual(events[k - 1].finished);
    }
    denoiser.dispose();
  });

  test('maxIterations stops samples early', async () => {
    const prior = lowRankPrior(4, [0.04, 0.02]);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    const result = await sample(denoiser, { count: 2, seed: 1, shape: prior.shape }, { maxIterations: 3 });
    expect(result.status).toEqual(['max-iterations', 'max-iterations']);
    expect(Array.from(result.iterations)).toEqual([3, 3]);
    denoiser.dispose();
  });

  test('diverging sample is marked or raises', async () => {
    const exploding = new ScalingDenoiser('exploding', 1.5);
    const marked = await sample(exploding, { count: 2, seed: 1, shape: [4, 4, 1] });
    expect(marked.status).toEqual(['diverged', 'diverged']);
    for (const sigma of marked.finalSigma) {
      expect(sigma).toBeGreaterThan(2);
    }
    await expect(sample(exploding, { count: 2, seed: 1, shape: [4, 4, 1] }, { onDivergence: 'error' })).rejects.toThrow(
      /Sample 0 diverged at step \d+: its effective noise level .* exceeds divergenceSigma 2/,
    );
  });
});

describe('sampler options', () => {
  const identity = new ScalingDenoiser('identity', 1);
  const request = { count: 1, seed: 1, shape: [4, 4, 1] as [number, number, number] };

  test.each([
    [{ beta: 0 }, /beta 0 is invalid: use a value in \(0, 1\]/],
    [{ beta: 1.5 }, /beta 1.5 is invalid/],
    [{ h0: 0 }, /h0 0 is invalid: use a value in \(0, 1\]/],
    [{ h0: 1.2 }, /h0 1.2 is invalid/],
    [{ sigmaFinal: 1 }, /sigmaFinal 1 is invalid: use a value > 0 and below sigma0 \(1\)/],
    [{ sigmaFinal: 0.5, sigma0: 0.4 }, /sigmaFinal 0.5 is invalid/],
    [{ sigma0: -1 }, /sigma0 -1 is invalid: use a value > 0/],
    [{ maxIterations: 0 }, /maxIterations 0 is invalid: use an integer >= 1/],
    [{ schedule: 'cosine' as 'ramp' }, /schedule "cosine" is invalid/],
    [{ divergenceSigma: 0.01 }, /divergenceSigma 0.01 is invalid/],
  ])('rejects %o', async (options, message) => {
    await expect(sample(identity, request, options)).rejects.toThrow(message);
  });

  test('rejects mismatched image shape', async () => {
    const prior = lowRankPrior(4, [0.04]);
    const denoiser = new WienerDenoiser({ mean: prior.mean, covariance: prior.covariance, shape: prior.shape });
    await expect(sample(denoiser, { count: 1, seed: 1, shape: [8, 8, 1] })).rejects.toThrow(/noisy images are 8x8x1 but the prior is over 4x4x1/);
    denoiser.dispose();
  });

  test('rejects invalid request', async () => {
    await expect(sample(identity, { ...request, count: 0 })).rejects.toThrow(/count 0 is invalid/);
    await expect(sample(identity, { ...request, shape: [4, 0, 1] })).rejects.toThrow(/shape \[4,0,1\] is invalid/);
  });

  test('stepSize ramp matches its closed form', () => {
    expect(stepSize('ramp', 0.01, 1)).toBeCloseTo(0.01, 12);
    expect(stepSize('ramp', 0.01, 100)).toBeCloseTo(1 / 1.99, 12);
    expect(stepSize('constant', 0.01, 101)).toBe(0.01);
  });
});
