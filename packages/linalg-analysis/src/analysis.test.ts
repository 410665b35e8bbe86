import { createImageBatch, fillSampleNormals, RandomStream } from '@gahb/core';
import { initBackend } from '@gahb/backend';
import { analyzeDenoiserAt, peakSignalToNoiseRatio, spectrumAcrossSigmas } from './analysis';
import { computeJacobian, multiply, relativeDistance } from './jacobian';
import { symmetricEigen } from './symmetric-eigen';
import { LinearDenoiser, TinyReluNetwork } from '../test/test-denoisers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function cleanImage(height: number, width: number) {
  const image = createImageBatch(1, height, width, 1);
  RandomStream.fromSeed(21, 'analysis-image').fillUniform(image.data, 0, 1);
  return image;
}

/** Returns 0.4·FFᵀ for a random d×d F with entry variance 1/d: symmetric positive semi-definite, eigenvalues in [0, ~1.6]. */
function symmetricShrinkage(d: number): Float64Array {
  const factor = new Float64Array(d * d);
  RandomStream.fromSeed(22, 'shrinkage').fillNormal(factor, 0, 1 / Math.sqrt(d));
  const matrix = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let l = 0; l < d; l++) sum += factor[i * d + l] * factor[j * d + l];
      matrix[i * d + j] = 0.4 * sum;
    }
  }
  return matrix;
}

describe('analyzeDenoiserAt', () => {
  test('dense path on a symmetric linear denoiser', async () => {
    const d = 36;
    const matrix = symmetricShrinkage(d);
    const denoiser = new LinearDenoiser(matrix, d);
    const clean = cleanImage(6, 6);
    const reference = symmetricEigen(matrix, d);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += matrix[i * d + i];

    const analysis = await analyzeDenoiserAt(denoiser, clean, { sigma: 0.2, seed: 4 });

    // Noise contract: y = x + σz with z from sample 0 of (seed, 'jacobian-noise').
    const z = new Float64Array(d);
    fillSampleNormals(z, 4, 'jacobian-noise', 0, d);
    for (let i = 0; i < d; i++) expect(analysis.noisy.data[i]).toBeCloseTo(clean.data[i] + 0.2 * z[i], 6);
    expect(analysis.method).toBe('dense');
    // float32 Jacobian entries: eigenvalues and trace to ~1e-6.
    for (let k = 0; k < d; k++) expect(Math.abs(analysis.eigenvalues[k] - reference.eigenvalues[k])).toBeLessThan(1e-5);
    expect(analysis.effectiveDimensionality).toBeCloseTo(trace, 4);
    expect(analysis.reconstructionError).toBeLessThan(1e-5);
    expect(analysis.homogeneityError).toBeLessThan(1e-5);
    expect(analysis.asymmetry).toBeLessThan(1e-6);
    expect(analysis.inputPsnr).toBeCloseTo(peakSignalToNoiseRatio(analysis.noisy.data, clean.data), 10);
    denoiser.dispose();
  });

  test('coefficients and reconstruction of a ReLU network', async () => {
    const network = new TinyReluNetwork(4, 5);
    const clean = cleanImage(6, 6);
    const d = 36;

    const analysis = await analyzeDenoiserAt(network, clean, { sigma: 0.1, seed: 1 });

    // Independent formulas: |⟨x, e_k⟩| from the returned vectors, and Σλ⟨y,e⟩e = S y with S = (A + Aᵀ)/2.
    const jacobian = await computeJacobian(network, analysis.noisy);
    const symmetric = jacobian.map((value, index) => 0.5 * (value + jacobian[(index % d) * d + Math.floor(index / d)]));
    const y = Float64Array.from(analysis.noisy.data);
    const expectedError = relativeDistance(multiply(symmetric, d, y), analysis.denoised.data);
    for (const k of [0, 7, 35]) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += clean.data[i] * analysis.eigenvectors[k * d + i];
      expect(analysis.cleanCoefficients[k]).toBeCloseTo(Math.abs(dot), 10);
    }
    expect(analysis.reconstructionError).toBeCloseTo(expectedError, 5);
    expect(analysis.asymmetry).toBeGreaterThan(0.01);
    network.dispose();
  });

  test('Lanczos path matches the dense path', async () => {
    const d = 36;
    const matrix = symmetricShrinkage(d);
    const denoiser = new LinearDenoiser(matrix, d);
    const reference = symmetricEigen(matrix, d);
    let trace = 0;
    for (let i = 0; i < d; i++) trace += matrix[i * d + i];

    const analysis = await analyzeDenoiserAt(denoiser, cleanImage(6, 6), { sigma: 0.2, seed: 4, topK: 4, traceProbes: 64 });

    expect(analysis.method).toBe('lanczos');
    expect(analysis.eigenvalues.length).toBe(4);
    for (let k = 0; k < 4; k++) expect(Math.abs(analysis.eigenvalues[k] - reference.eigenvalues[k])).toBeLessThan(1e-5);
    // Hutchinson estimate: within 4 standard errors of the exact trace.
    expect(Math.abs(analysis.effectiveDimensionality - trace)).toBeLessThan(4 * analysis.effectiveDimensionalityStandardError);
    expect(analysis.effectiveDimensionalityStandardError).toBeGreaterThan(0);
    denoiser.dispose();
  });

  test('rejects a negative sigma', async () => {
    const denoiser = new LinearDenoiser(new Float64Array(4), 2);

    await expect(analyzeDenoiserAt(denoiser, cleanImage(1, 2), { sigma: -0.1, seed: 0 })).rejects.toThrow('sigma -0.1 is invalid');
    denoiser.dispose();
  });
});

describe('spectrumAcrossSigmas', () => {
  test('one spectrum per noise level', async () => {
    const network = new TinyReluNetwork(3, 6);

    const spectra = await spectrumAcrossSigmas(network, cleanImage(4, 4), [0.05, 0.5], { seed: 2 });

    expect(spectra.map((spectrum) => spectrum.sigma)).toEqual([0.05, 0.5]);
    expect(spectra[0].eigenvalues.length).toBe(16);
    expect(spectra[0].inputPsnr).toBeGreaterThan(spectra[1].inputPsnr);
    network.dispose();
  });
});

describe('analyzeDenoiserAt input checks', () => {
  test('NaN clean pixel is rejected', async () => {
    const image = cleanImage(2, 2);
    image.data[3] = Number.NaN;
    const denoiser = new LinearDenoiser(symmetricShrinkage(4), 4);
    await expect(analyzeDenoiserAt(denoiser, image, { sigma: 0.1, seed: 0 })).rejects.toThrow('NaN or infinite value at index 3');
    denoiser.dispose();
  });

  test('denoiser returning NaN is rejected', async () => {
    const matrix = symmetricShrinkage(4);
    matrix[0] = Number.NaN;
    const denoiser = new LinearDenoiser(matrix, 4);
    await expect(analyzeDenoiserAt(denoiser, cleanImage(2, 2), { sigma: 0.1, seed: 0 })).rejects.toThrow(
      'denoiser "linear" returned 1 NaN or infinite values',
    );
    denoiser.dispose();
  });
});
