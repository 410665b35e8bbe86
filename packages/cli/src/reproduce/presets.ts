/**
 * Presets of `gahb reproduce`: image size, network, training length, N values and analysis settings of
 * each experiment. `smoke` runs the whole pipeline in seconds (tests, CI); `quick` and `standard`
 * are sized for 2 CPU cores from a PyTorch calibration run (bias-free UNet with 2 blocks and 16 channels
 * on 16x16 images, batch 64, Adam 1e-3 halved every 2,000 steps, quadratic noise levels); `paper` is the
 * study's scale (80x80 images, BF-UNet with 3 blocks and 64 channels, N = 1 … 10^5, batch 512, 1000 epochs
 * of 250,000 samples, learning rate halved every 100 epochs).
 */

/** Training recipe of every network of a preset. */
export interface TrainingRecipe {
  /** Number of epochs. */
  epochs: number;
  /** Noisy training samples per epoch: the N images are repeated (index modulo N) to this count. */
  samplesPerEpoch: number;
  /** Images per Adam step. */
  batchSize: number;
  /** Adam learning rate at the start. */
  learningRate: number;
  /** The learning rate is halved every this many epochs. */
  lrHalvingEpochs: number;
  /** Distribution of the per-image noise level sigma: 'quadratic' = u², u ~ U(0, 1); 'uniform' = U(0, sigmaMax). */
  noiseDistribution: 'quadratic' | 'uniform';
}

export interface Preset {
  name: string;
  description: string;
  /** False when the preset's run time and effects have not been measured with gahb itself. */
  calibrated: boolean;
  /** Height and width of every image, in pixels. */
  imageSize: number;
  /** Architecture registered in @gahb/models and its configuration. */
  architecture: { name: string; config: Record<string, unknown> };
  training: TrainingRecipe;
  /** Seed of every random choice of the run (data, splits, initial weights, noise, samples). */
  seed: number;
  generalization: {
    /**
     * Data sets of the sweep and their training-set sizes N: 'c-alpha' (C^α images with α = β = cAlphaAlpha)
     * and 'photos' (patches of the bundled photographs). For each N one network trains on S1 and one on S2.
     * The Jacobian analysis uses the largest-N network of the first data set.
     */
    datasets: Array<{ name: 'c-alpha' | 'photos'; sizes: number[] }>;
    /** α of the C^α images of the generalization sweep. */
    cAlphaAlpha: number;
    /** Held-out test images for PSNR curves. */
    testCount: number;
    /** Images (at most) on which train and test PSNR are evaluated. */
    evaluationCount: number;
    /** Noise levels sigma (pixel units of [0, 1] images) of the PSNR curves. */
    evaluationSigmas: number[];
    /** Patches taken from each bundled photograph for the 'photos' data set. */
    patchesPerImage: number;
  };
  sampling: {
    /** Samples drawn from each network (the same seeds for S1 and S2). */
    count: number;
    sigma0: number;
    sigmaFinal: number;
    h0: number;
    beta: number;
    initialMean: number;
    maxIterations: number;
    /** Noise levels at which the variance between the S1 and S2 networks' outputs is measured. */
    modelVarianceSigmas: number[];
  };
  /** The exact MMSE denoiser of S1 (the ideal memorizer) is evaluated and sampled for N up to this value. */
  memorizerMaxN: number;
  jacobian: {
    /** Noise levels at which the Jacobian of the largest-N network is analysed. */
    sigmas: number[];
    /** Eigenvectors shown in the figures. */
    eigenvectorCount: number;
  };
  cAlpha: {
    /** Regularities α of the C^α classes (contour and background regularity equal). */
    alphas: number[];
    /** Training images per class. */
    trainCount: number;
    /** Noise level of the eigenvector display. */
    sigma: number;
  };
  disks: {
    trainCount: number;
    /** Noise level of the Jacobian analysis. */
    sigma: number;
    /** Dimension of the disk manifold: centre (2), radius (1), foreground and background intensity (2). */
    manifoldDimension: number;
  };
}

const studySigmas = [0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8];

const samplerDefaults = { sigma0: 1, sigmaFinal: 0.05, h0: 0.01, beta: 0.1, initialMean: 0.5 };

export const presets: Record<string, Preset> = {
  smoke: {
    name: 'smoke',
    description: 'The whole pipeline on 8x8 images and a tiny network, in seconds; for tests and CI, not for results.',
    calibrated: false,
    imageSize: 8,
    architecture: { name: 'bf-unet', config: { blocks: 1, channels: 4 } },
    training: { epochs: 2, samplesPerEpoch: 64, batchSize: 16, learningRate: 1e-3, lrHalvingEpochs: 1, noiseDistribution: 'quadratic' },
    seed: 7,
    generalization: {
      datasets: [
        { name: 'c-alpha', sizes: [1, 4] },
        { name: 'photos', sizes: [4] },
      ],
      cAlphaAlpha: 2,
      testCount: 8,
      evaluationCount: 8,
      evaluationSigmas: [0.05, 0.2, 0.8],
      patchesPerImage: 8,
    },
    sampling: { count: 2, maxIterations: 200, modelVarianceSigmas: [0.1, 0.5], ...samplerDefaults },
    memorizerMaxN: 4,
    jacobian: { sigmas: [0.1], eigenvectorCount: 8 },
    cAlpha: { alphas: [2], trainCount: 4, sigma: 0.1 },
    disks: { trainCount: 8, sigma: 0.04, manifoldDimension: 5 },
  },

  quick: {
    name: 'quick',
    description:
      '16x16 images, bf-unet with 2 blocks and 16 channels, N = 1 … 10,000 on C^α and photo patches, 2,000 Adam steps per network; 48 minutes on an idle 2-core machine with --jobs 2.',
    calibrated: true,
    imageSize: 16,
    architecture: { name: 'bf-unet', config: { blocks: 2, channels: 16 } },
    // 2 epochs of 64,000 samples at batch 64 = 2,000 Adam steps per network, 20 networks in all (the α = 2
    // C^α class reuses the sweep's N = 10,000 S1 network). Measured with --jobs 2 on an idle 2-core Xeon
    // (Node 20.20.2, wasm backend): 7.2-7.7 steps/s per network, 4.5 minutes per pair, 2,888 s in all.
    training: { epochs: 2, samplesPerEpoch: 64_000, batchSize: 64, learningRate: 1e-3, lrHalvingEpochs: 1, noiseDistribution: 'quadratic' },
    seed: 7,
    generalization: {
      datasets: [
        { name: 'c-alpha', sizes: [1, 10, 100, 1000, 10_000] },
        { name: 'photos', sizes: [10, 1000, 10_000] },
      ],
      cAlphaAlpha: 2,
      testCount: 256,
      evaluationCount: 256,
      evaluationSigmas: [0.02, 0.05, 0.1, 0.2, 0.4],
      patchesPerImage: 4_000,
    },
    sampling: { count: 12, maxIterations: 3000, modelVarianceSigmas: [0.05, 0.1, 0.2, 0.4, 0.8], ...samplerDefaults },
    memorizerMaxN: 10_000,
    jacobian: { sigmas: [0.05, 0.15, 0.4], eigenvectorCount: 20 },
    cAlpha: { alphas: [1, 2, 3, 5], trainCount: 10_000, sigma: 0.1 },
    disks: { trainCount: 10_000, sigma: 0.04, manifoldDimension: 5 },
  },

  standard: {
    name: 'standard',
    description:
      '16x16 images, bf-unet with 2 blocks and 16 channels, 22,000 Adam steps per network: the length at which a PyTorch run of the same network on C^α gave S1/S2 samples closer to each other than to their training images. N = 1, 100, 1000, 10,000 on C^α and 10,000 on photo patches, 14 networks; about 6 hours on 2 cores (estimated from quick).',
    calibrated: false,
    imageSize: 16,
    architecture: { name: 'bf-unet', config: { blocks: 2, channels: 16 } },
    // 11 epochs of 128,000 samples at batch 64 = 22,000 Adam steps per network, learning rate halved every
    // 2,000 steps. 14 networks (the α = 2 C^α class reuses the sweep's N = 10,000 S1 network) at the 7.5
    // steps/s per network that quick measured with 2 jobs: 7 rounds of 49 minutes, about 5.7 hours.
    // Its C^α N = 10,000 pair alone was run (3,266 s on 2 cores): median paired S1/S2 similarity 0.964 against
    // nearest-training 0.892 and 0.877 over 32 seeds; the other networks were not trained with gahb.
    training: { epochs: 11, samplesPerEpoch: 128_000, batchSize: 64, learningRate: 1e-3, lrHalvingEpochs: 1, noiseDistribution: 'quadratic' },
    seed: 7,
    generalization: {
      datasets: [
        { name: 'c-alpha', sizes: [1, 100, 1000, 10_000] },
        { name: 'photos', sizes: [10_000] },
      ],
      cAlphaAlpha: 2,
      testCount: 512,
      evaluationCount: 512,
      evaluationSigmas: [0.02, 0.05, 0.1, 0.2, 0.4],
      patchesPerImage: 4_000,
    },
    sampling: { count: 32, maxIterations: 3000, modelVarianceSigmas: [0.05, 0.1, 0.2, 0.4, 0.8], ...samplerDefaults },
    memorizerMaxN: 10_000,
    jacobian: { sigmas: [0.05, 0.15, 0.4], eigenvectorCount: 20 },
    cAlpha: { alphas: [1, 2, 3, 5], trainCount: 10_000, sigma: 0.1 },
    disks: { trainCount: 10_000, sigma: 0.04, manifoldDimension: 5 },
  },

  // NOTE: the data steps keep each training pool in memory as float32, which is 5.1 GB for the 200,000
  // C^α images of 80x80 below. This preset needs uint8 or streamed pools before it can run.
  paper: {
    name: 'paper',
    description: "The study's scale: 80x80 images, bf-unet with 3 blocks and 64 channels, N = 1 … 100,000, batch 512, 1000 epochs; for a GPU or a cluster (gahb sweep --emit slurm).",
    calibrated: false,
    imageSize: 80,
    architecture: { name: 'bf-unet', config: { blocks: 3, channels: 64 } },
    training: { epochs: 1000, samplesPerEpoch: 250_000, batchSize: 512, learningRate: 1e-3, lrHalvingEpochs: 100, noiseDistribution: 'quadratic' },
    seed: 7,
    generalization: {
      datasets: [
        { name: 'c-alpha', sizes: [1, 10, 100, 1000, 10_000, 100_000] },
        { name: 'photos', sizes: [1, 10, 100, 1000, 10_000, 100_000] },
      ],
      cAlphaAlpha: 2,
      testCount: 512,
      evaluationCount: 512,
      evaluationSigmas: studySigmas,
      patchesPerImage: 40_000,
    },
    sampling: { count: 64, maxIterations: 5000, modelVarianceSigmas: [0.05, 0.1, 0.2, 0.4, 0.8], ...samplerDefaults },
    memorizerMaxN: 100_000,
    jacobian: { sigmas: [0.05, 0.15, 0.4], eigenvectorCount: 21 },
    cAlpha: { alphas: [1, 2, 3, 4, 5], trainCount: 100_000, sigma: 0.1 },
    disks: { trainCount: 100_000, sigma: 0.04, manifoldDimension: 5 },
  },
};

/** Returns the preset called `name`; an unknown name is an error listing the presets. */
export function getPreset(name: string): Preset {
  const preset = presets[name];
  if (preset === undefined) {
    throw new Error(`Unknown preset "${name}": use one of ${Object.keys(presets).join(', ')}.`);
  }
  return preset;
}

/** Returns the number of Adam steps one network of `preset` takes. */
export function stepsPerNetwork(preset: Preset): number {
  return Math.ceil(preset.training.samplesPerEpoch / preset.training.batchSize) * preset.training.epochs;
}
