// Eigen-analysis of a denoiser at one noisy image (Kadkhodaie et al., ICLR 2024, §3.1): the eigenvalues λ_k(y)
// (shrinkage factors) and eigenvectors e_k(y) of the symmetric part of A(y) = ∂x̂/∂y, the effective
// dimensionality tr A(y) = Σλ_k (eq. 10), the coefficients ⟨x, e_k⟩ and ⟨y, e_k⟩, and the reconstruction
// x̂(y) ≈ Σ λ_k⟨y, e_k⟩e_k, which is exact for a symmetric Jacobian of a bias-free network (eq. 6).
import { createImageBatch, fillSampleNormals, RandomStream, startProgress, type ImageBatch } from '@gahb/core';
import type { Denoiser } from '@gahb/backend';
import {
  computeJacobian,
  denoiseVector,
  imageDimension,
  jacobianChecks,
  openJacobianProducts,
  relativeDistance,
  type JacobianMethod,
} from './jacobian';
import { lanczosTopK } from './lanczos';
import { symmetricEigen } from './symmetric-eigen';

/** Options of {@link analyzeDenoiserAt}. */
export interface AnalyzeOptions {
  /** Noise standard deviation σ of y = x + σz, in pixel units of [0, 1] images. */
  sigma: number;
  /** Seed of the noise z: sample 0 of the stream (seed, 'jacobian-noise'). */
  seed: number;
  /**
   * Number of leading eigenpairs to compute by Lanczos on (A + Aᵀ)/2 without forming A. When unset (or when
   * `full` is true) the dense Jacobian and all d eigenpairs are computed.
   */
  topK?: number;
  /** Forces the dense path (all eigenpairs) even when `topK` is set. */
  full?: boolean;
  /** Rows (or columns) per pass of the dense Jacobian. Default 64. */
  chunkSize?: number;
  /** Method of the Jacobian and its products (see JacobianMethod). Default 'auto'. */
  method?: JacobianMethod;
  /** Worker threads of the dense Jacobian (see JacobianOptions.threads). Default 1. */
  threads?: number;
  /** Random probes of the trace and asymmetry estimates on the Lanczos path. Default 16. */
  traceProbes?: number;
  /** Maximum Lanczos iterations. Default min(d, 3·topK + 60). */
  maxIterations?: number;
  /** Relative residual tolerance of the Lanczos Ritz pairs. Default 1e-5 (the products are float32). */
  tolerance?: number;
  /** Called with (rows done, d) on the dense path and (iterations, maxIterations) on the Lanczos path. */
  onProgress?: (done: number, total: number) => void;
}

/** Result of {@link analyzeDenoiserAt}. Vectors of length d are in row-major order over height, width, channels. */
export interface JacobianAnalysis {
  sigma: number;
  seed: number;
  /** [height, width, channels] of the image. */
  shape: [number, number, number];
  /** 'dense' (all eigenpairs of the full Jacobian) or 'lanczos' (top k). */
  method: 'dense' | 'lanczos';
  clean: ImageBatch;
  noisy: ImageBatch;
  denoised: ImageBatch;
  /** Eigenvalues of (A + Aᵀ)/2, decreasing; length d (dense) or k (Lanczos). */
  eigenvalues: Float64Array;
  /** Row k = unit eigenvector e_k; the entry of largest magnitude is positive. */
  eigenvectors: Float64Array;
  /** tr A(y). Exact on the dense path; a Hutchinson estimate on the Lanczos path. */
  effectiveDimensionality: number;
  /** Standard error of the trace estimate (0 on the dense path). */
  effectiveDimensionalityStandardError: number;
  /** |⟨x, e_k⟩| of the clean image. */
  cleanCoefficients: Float64Array;
  /** ⟨y, e_k⟩ of the noisy image. */
  noisyCoefficients: Float64Array;
  /**
   * ‖Σ λ_k⟨y, e_k⟩e_k − x̂(y)‖ / ‖x̂(y)‖ over the computed eigenpairs. On the Lanczos path the sum is truncated
   * to k terms, so this also measures what the remaining eigenpairs carry.
   */
  reconstructionError: number;
  /** ‖A y − x̂(y)‖ / ‖x̂(y)‖. */
  homogeneityError: number;
  /** Central-difference check of A along a random direction (dense path only, else NaN). */
  finiteDifferenceError: number;
  /** ‖A − Aᵀ‖_F / ‖A‖_F, exact on the dense path and estimated from random probes on the Lanczos path. */
  asymmetry: number;
  /** PSNR in dB of y and of x̂(y) against x (peak 1). */
  inputPsnr: number;
  outputPsnr: number;
  /** The dense Jacobian (d×d row-major, row i = gradient of output pixel i); dense path only. */
  jacobian?: Float64Array;
  lanczos?: { iterations: number; converged: boolean; residuals: Float64Array };
  timing: { jacobianSeconds: number; eigenSeconds: number; totalSeconds: number };
}

/**
 * Adds seeded noise to `clean` ([1, height, width, channels]) and analyses the Jacobian of `denoiser` at
 * the noisy image y = x + σz: dense (all eigenpairs) or by Lanczos (top k).
 */
export async function analyzeDenoiserAt(denoiser: Denoiser, clean: ImageBatch, options: AnalyzeOptions): Promise<JacobianAnalysis> {
  const start = performance.now();
  const d = imageDimension(clean, 'analyzeDenoiserAt');
  const { sigma, seed } = options;
  if (!(Number.isFinite(sigma) && sigma >= 0)) {
    throw new Error(`analyzeDenoiserAt: sigma ${sigma} is invalid: use a noise standard deviation >= 0 in [0, 1] pixel units.`);
  }
  const topK = options.full ? undefined : options.topK;
  if (topK !== undefined && (!Number.isSafeInteger(topK) || topK < 1 || topK > d)) {
    throw new Error(`analyzeDenoiserAt: topK ${topK} is invalid: use an integer in [1, d = ${d}].`);
  }
  const [, height, width, channels] = clean.shape;
  const badPixel = clean.data.findIndex((value) => !Number.isFinite(value));
  if (badPixel >= 0) {
    throw new Error(`analyzeDenoiserAt: the clean image has a NaN or infinite value at index ${badPixel}; pass finite values in [0, 1].`);
  }

  // Noisy image y = x + σz and its denoised estimate x̂(y).
  const noise = new Float64Array(d);
  fillSampleNormals(noise, seed, 'jacobian-noise', 0, d);
  const noisy = createImageBatch(1, height, width, channels);
  for (let i = 0; i < d; i++) noisy.data[i] = clean.data[i] + sigma * noise[i];
  const y = Float64Array.from(noisy.data);
  const x = Float64Array.from(clean.data);
  const denoisedValues = denoiseVector(denoiser, noisy, y, sigma);
  // A diverged or corrupt network returns NaN here, and its Jacobian would then fail deep inside the eigensolver.
  const nonFinite = denoisedValues.reduce((count, value) => (Number.isFinite(value) ? count : count + 1), 0);
  if (nonFinite > 0) {
    throw new Error(
      `analyzeDenoiserAt: denoiser "${denoiser.name}" returned ${nonFinite} NaN or infinite values at the noisy image; check its weights (e.g. a diverged training run).`,
    );
  }
  const denoised = createImageBatch(1, height, width, channels);
  denoised.data.set(denoisedValues);

  const common = { sigma, seed, shape: [height, width, channels] as [number, number, number], clean, noisy, denoised };
  const psnr = { inputPsnr: peakSignalToNoiseRatio(y, x), outputPsnr: peakSignalToNoiseRatio(denoisedValues, x) };

  if (topK === undefined) {
    // Dense path: A, its checks, and all eigenpairs of (A + Aᵀ)/2.
    const jacobianStart = performance.now();
    const jacobian = await computeJacobian(denoiser, noisy, {
      sigma,
      chunkSize: options.chunkSize,
      onProgress: options.onProgress,
      method: options.method,
      threads: options.threads,
    });
    const checks = await jacobianChecks(denoiser, noisy, jacobian, { sigma, seed });
    const eigenStart = performance.now();
    const { eigenvalues, eigenvectors } = symmetricEigen(jacobian, d);
    const eigenEnd = performance.now();
    let trace = 0;
    for (let i = 0; i < d; i++) trace += jacobian[i * d + i];

    return {
      ...common,
      method: 'dense',
      eigenvalues,
      eigenvectors,
      effectiveDimensionality: trace,
      effectiveDimensionalityStandardError: 0,
      ...coefficients(eigenvalues, eigenvectors, x, y, denoisedValues),
      ...checks,
      ...psnr,
      jacobian,
      timing: {
        jacobianSeconds: (eigenStart - jacobianStart) / 1000,
        eigenSeconds: (eigenEnd - eigenStart) / 1000,
        totalSeconds: (performance.now() - start) / 1000,
      },
    };
  }

  // Lanczos path: top k of (A + Aᵀ)/2 from product pairs, trace and asymmetry from random probes.
  const lanczosStart = performance.now();
  const maxIterations = Math.min(d, options.maxIterations ?? 3 * topK + 60);
  const progress = startProgress({ label: `lanczos ${denoiser.name}`, total: maxIterations, unit: 'products' });
  const products = openJacobianProducts(denoiser, noisy, { sigma, method: options.method });
  let result: Awaited<ReturnType<typeof lanczosTopK>>;
  let appliedToY: Float64Array;
  try {
    result = await lanczosTopK(
      async (v) => {
        const { product, transposeProduct } = await products.pair(v);
        return product.map((value, i) => 0.5 * (value + transposeProduct[i]));
      },
      d,
      topK,
      {
        maxIterations,
        tolerance: options.tolerance ?? 1e-5,
        seed,
        onIteration: (iteration) => {
          progress.tick();
          options.onProgress?.(iteration, maxIterations);
        },
      },
    );
    appliedToY = (await products.pair(y)).product;
  } finally {
    products.dispose();
  }
  progress.done({ converged: String(result.converged) });
  const lanczosEnd = performance.now();

  const estimates = await traceAndAsymmetryEstimates(denoiser, noisy, options.traceProbes ?? 16, seed, sigma, options.method);

  return {
    ...common,
    method: 'lanczos',
    eigenvalues: result.eigenvalues,
    eigenvectors: result.eigenvectors,
    effectiveDimensionality: estimates.trace,
    effectiveDimensionalityStandardError: estimates.traceStandardError,
    ...coefficients(result.eigenvalues, result.eigenvectors, x, y, denoisedValues),
    homogeneityError: relativeDistance(appliedToY, denoisedValues),
    finiteDifferenceError: NaN,
    asymmetry: estimates.asymmetry,
    ...psnr,
    lanczos: { iterations: result.iterations, converged: result.converged, residuals: result.residuals },
    timing: {
      jacobianSeconds: 0,
      eigenSeconds: (lanczosEnd - lanczosStart) / 1000,
      totalSeconds: (performance.now() - start) / 1000,
    },
  };
}

/**
 * Estimates tr A = E[zᵀAz] (Hutchinson) and ‖A − Aᵀ‖_F / ‖A‖_F from E‖(A − Aᵀ)z‖² / E‖Az‖² with Rademacher
 * probes z (E[zzᵀ] = I), using one product pair per probe (see openJacobianProducts for the `method`).
 */
export async function traceAndAsymmetryEstimates(
  denoiser: Denoiser,
  image: ImageBatch,
  probes: number,
  seed: number,
  sigma?: number,
  method?: JacobianMethod,
): Promise<{ trace: number; traceStandardError: number; asymmetry: number }> {
  if (!Number.isSafeInteger(probes) || probes < 2) {
    throw new Error(`traceAndAsymmetryEstimates: probes ${probes} is invalid: use an integer >= 2.`);
  }
  const d = imageDimension(image, 'traceAndAsymmetryEstimates');
  const random = RandomStream.fromSeed(seed, 'trace-probes');
  const samples: number[] = [];
  let asymmetrySquared = 0;
  let normSquared = 0;
  const products = openJacobianProducts(denoiser, image, { sigma, method });
  try {
    for (let probe = 0; probe < probes; probe++) {
      const z = new Float64Array(d).map(() => (random.uniform() < 0.5 ? -1 : 1));
      const { product, transposeProduct } = await products.pair(z);
      let quadratic = 0;
      for (let i = 0; i < d; i++) {
        quadratic += z[i] * product[i];
        asymmetrySquared += (product[i] - transposeProduct[i]) ** 2;
        normSquared += product[i] ** 2;
      }
      samples.push(quadratic);
    }
  } finally {
    products.dispose();
  }
  const mean = samples.reduce((sum, value) => sum + value, 0) / probes;
  const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (probes - 1);
  return {
    trace: mean,
    traceStandardError: Math.sqrt(variance / probes),
    asymmetry: normSquared > 0 ? Math.sqrt(asymmetrySquared / normSquared) : 0,
  };
}

function coefficients(
  eigenvalues: Float64Array,
  eigenvectors: Float64Array,
  x: Float64Array,
  y: Float64Array,
  denoised: Float64Array,
): { cleanCoefficients: Float64Array; noisyCoefficients: Float64Array; reconstructionError: number } {
  const d = x.length;
  const count = eigenvalues.length;
  const cleanCoefficients = new Float64Array(count);
  const noisyCoefficients = new Float64Array(count);
  const reconstruction = new Float64Array(d);
  for (let k = 0; k < count; k++) {
    const row = k * d;
    let clean = 0;
    let noisy = 0;
    for (let i = 0; i < d; i++) {
      clean += x[i] * eigenvectors[row + i];
      noisy += y[i] * eigenvectors[row + i];
    }
    cleanCoefficients[k] = Math.abs(clean);
    noisyCoefficients[k] = noisy;
    const weight = eigenvalues[k] * noisy;
    for (let i = 0; i < d; i++) reconstruction[i] += weight * eigenvectors[row + i];
  }
  return { cleanCoefficients, noisyCoefficients, reconstructionError: relativeDistance(reconstruction, denoised) };
}

/** Returns 10·log10(1 / MSE) in dB for images in [0, 1] (Infinity when equal). */
export function peakSignalToNoiseRatio(estimate: ArrayLike<number>, reference: ArrayLike<number>): number {
  let squared = 0;
  for (let i = 0; i < reference.length; i++) squared += (estimate[i] - reference[i]) ** 2;
  return -10 * Math.log10(squared / reference.length);
}

/** Summary of the analysis at one noise level, from {@link spectrumAcrossSigmas}. */
export interface SpectrumAtSigma {
  sigma: number;
  eigenvalues: Float64Array;
  cleanCoefficients: Float64Array;
  effectiveDimensionality: number;
  effectiveDimensionalityStandardError: number;
  asymmetry: number;
  homogeneityError: number;
  inputPsnr: number;
  outputPsnr: number;
}

/**
 * Runs {@link analyzeDenoiserAt} at each noise level of `sigmas` with the same seed (the same z, scaled) and
 * keeps the spectra, traces and checks (eigenvectors are dropped to bound memory).
 */
export async function spectrumAcrossSigmas(
  denoiser: Denoiser,
  clean: ImageBatch,
  sigmas: readonly number[],
  options: Omit<AnalyzeOptions, 'sigma'>,
): Promise<SpectrumAtSigma[]> {
  const spectra: SpectrumAtSigma[] = [];
  for (const sigma of sigmas) {
    const analysis = await analyzeDenoiserAt(denoiser, clean, { ...options, sigma });
    spectra.push({
      sigma,
      eigenvalues: analysis.eigenvalues,
      cleanCoefficients: analysis.cleanCoefficients,
      effectiveDimensionality: analysis.effectiveDimensionality,
      effectiveDimensionalityStandardError: analysis.effectiveDimensionalityStandardError,
      asymmetry: analysis.asymmetry,
      homogeneityError: analysis.homogeneityError,
      inputPsnr: analysis.inputPsnr,
      outputPsnr: analysis.outputPsnr,
    });
  }
  return spectra;
}
