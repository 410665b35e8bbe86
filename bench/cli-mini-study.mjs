// A reduced study with `gahb reproduce` (packages/cli) that finishes in minutes on 2 cores: 8x8 C^α images
// (α = β = 2), bf-unet with 1 block and 8 channels, N = 1, 10, 100, 1000 on S1 and S2, 600 Adam steps per
// network, 8 shared seeds. It checks that the pipeline's numbers move the way the study reports, at a
// scale far below the quick preset. Build first: npx tsc -b packages/cli/tsconfig.build.json
// Usage: node bench/cli-mini-study.mjs OUT_DIR [--resume]
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { reproduce } = require('../packages/cli/dist/reproduce/reproduce.js');
const { presets } = require('../packages/cli/dist/reproduce/presets.js');

const out = process.argv[2];
if (out === undefined) {
  throw new Error('Missing OUT_DIR: node bench/cli-mini-study.mjs OUT_DIR [--resume]');
}

// The preset is added under its own name, so config.json records exactly what ran.
const smoke = presets.smoke;
presets['mini-study'] = {
  ...smoke,
  name: 'mini-study',
  description: '8x8 C^α images, bf-unet with 1 block and 8 channels, N = 1 … 1000, 600 Adam steps per network (bench/cli-mini-study.mjs).',
  architecture: { name: 'bf-unet', config: { blocks: 1, channels: 8 } },
  training: { epochs: 3, samplesPerEpoch: 6400, batchSize: 32, learningRate: 1e-3, lrHalvingEpochs: 1, noiseDistribution: 'quadratic' },
  generalization: { ...smoke.generalization, datasets: [{ name: 'c-alpha', sizes: [1, 10, 100, 1000] }], testCount: 128, evaluationCount: 128, evaluationSigmas: [0.02, 0.05, 0.1, 0.2, 0.4] },
  sampling: { ...smoke.sampling, count: 8, maxIterations: 3000, modelVarianceSigmas: [0.05, 0.1, 0.2, 0.4] },
  memorizerMaxN: 1000,
  jacobian: { sigmas: [0.05, 0.2], eigenvectorCount: 16 },
  cAlpha: { alphas: [1, 2, 5], trainCount: 1000, sigma: 0.1 },
  disks: { trainCount: 1000, sigma: 0.04, manifoldDimension: 5 },
};

console.log(`load average before: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')} on ${os.availableParallelism()} cores`);
const start = performance.now();
const result = await reproduce({ preset: 'mini-study', out, backend: 'wasm', jobs: 1, resume: process.argv.includes('--resume') });
console.log(`mini study: ${((performance.now() - start) / 1000).toFixed(0)} s, report ${result.reportPath}`);
for (const manifest of result.summary.manifests) {
  console.log(`${manifest.name}: ${manifest.status} in ${manifest.seconds.toFixed(1)} s. ${manifest.summary}`);
}
console.log(`load average after: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
