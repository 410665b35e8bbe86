// Benchmark of @gahb/linalg-analysis against PyTorch on the same machine in the same run:
// - Jacobian rows of the study's bias-free UNet (3 blocks, 64 channels, random weights) by batched
//   vector-Jacobian products on the wasm backend, timed on `--rows` rows and extrapolated to all d rows;
// - the dense symmetric eigendecomposition (symmetricEigen) of an n×n matrix against torch.linalg.eigh;
// - Lanczos top-k on double-VJP products of (A + Aᵀ)/2, timed per product.
// The PyTorch side is bench/pytorch/jacobian.py run with Debian's /usr/bin/python3 (python3-torch).
//
// Build first: npx tsc -b packages/linalg-analysis/tsconfig.build.json packages/models/tsconfig.build.json
// Run:         node bench/linalg-jacobian.mjs [--size 40] [--rows 128] [--chunk 64] [--eigen 1600]
//                [--lanczos-size 80] [--lanczos-k 100] [--lanczos-iterations 20] [--threads 2] [--skip-pytorch]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import core from '../packages/core/dist/index.js';
import backend from '../packages/backend/dist/index.js';
import models from '../packages/models/dist/index.js';
import linalg from '../packages/linalg-analysis/dist/index.js';

const { createImageBatch, RandomStream } = core;
const { initBackend } = backend;
const { createNetwork } = models;
const { computeJacobianRows, symmetricEigen, lanczosTopK, jacobianProductPair } = linalg;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const size = option('--size', 40);
const rows = option('--rows', 128);
const chunk = option('--chunk', 64);
const eigenSize = option('--eigen', 1600);
const lanczosSize = option('--lanczos-size', 80);
const lanczosK = option('--lanczos-k', 100);
const lanczosIterations = option('--lanczos-iterations', 20);
const threads = option('--threads', 2);
const skipPytorch = process.argv.includes('--skip-pytorch');

function randomImage(side) {
  const image = createImageBatch(1, side, side, 1);
  RandomStream.fromSeed(0, 'bench-image').fillUniform(image.data, 0, 1);
  return image;
}

function report(label, values) {
  console.log(`${label.padEnd(44)} ${Object.entries(values).map(([key, value]) => `${key} ${typeof value === 'number' ? value.toFixed(3) : value}`).join('  ')}`);
}

console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
const choice = await initBackend({ backend: 'wasm' });
console.log(`backend: ${choice.name} (${choice.reason})`);

// 1. Jacobian rows of the UNet at size×size (skipped with --rows 0).
const network = createNetwork('bf-unet', {}, 0);
const denoiser = network.denoiser();
let jacobianSeconds = NaN;
if (rows > 0) {
  const image = randomImage(size);
  const d = size * size;
  await computeJacobianRows(denoiser, image, 0, Math.min(chunk, rows), { chunkSize: chunk }); // warm-up
  const jacobianStart = performance.now();
  await computeJacobianRows(denoiser, image, 0, rows, { chunkSize: chunk });
  jacobianSeconds = (performance.now() - jacobianStart) / 1000;
  report(`gahb Jacobian ${size}x${size}, ${rows} rows`, { s: jacobianSeconds, 'rows/s': rows / jacobianSeconds, 'full d estimate s': (jacobianSeconds * d) / rows });
}

// 2. Dense symmetric eigendecomposition of an n×n random symmetric matrix (skipped with --eigen 0).
const n = eigenSize;
let eigenSeconds = NaN;
if (n > 0) {
  const matrix = new Float64Array(n * n);
  const random = RandomStream.fromSeed(1, 'bench-matrix');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = random.normal();
      matrix[i * n + j] = value;
      matrix[j * n + i] = value;
    }
  }
  const start = performance.now();
  symmetricEigen(matrix, n);
  eigenSeconds = (performance.now() - start) / 1000;
  report(`gahb symmetricEigen n = ${n}`, { s: eigenSeconds, GFLOPs: (((4 / 3 + 2) * n ** 3) / eigenSeconds) / 1e9 });
}

// 3. Lanczos top-k at lanczosSize×lanczosSize: time per double-VJP product pair on a capped run.
if (lanczosIterations > 0) {
  const lanczosImage = randomImage(lanczosSize);
  const dimension = lanczosSize * lanczosSize;
  const start = performance.now();
  const result = await lanczosTopK(
    async (v) => {
      const { product, transposeProduct } = await jacobianProductPair(denoiser, lanczosImage, v);
      return product.map((value, i) => 0.5 * (value + transposeProduct[i]));
    },
    dimension,
    Math.min(lanczosK, lanczosIterations),
    { maxIterations: lanczosIterations },
  );
  const lanczosSeconds = (performance.now() - start) / 1000;
  report(`gahb Lanczos ${lanczosSize}x${lanczosSize}, ${result.iterations} products`, {
    s: lanczosSeconds,
    'ms/product': (1000 * lanczosSeconds) / result.iterations,
    [`top-${lanczosK} at ${3 * lanczosK + 60} products, estimate s`]: (lanczosSeconds / result.iterations) * (3 * lanczosK + 60),
  });
}

// 4. PyTorch on the same machine, same sizes.
if (!skipPytorch) {
  const script = fileURLToPath(new URL('./pytorch/jacobian.py', import.meta.url));
  const output = execFileSync('/usr/bin/python3', [script, '--size', String(size), '--rows', String(rows), '--chunk', String(chunk), '--eigen', String(n), '--threads', String(threads)], {
    encoding: 'utf8',
  });
  const torch = JSON.parse(output.trim().split('\n').pop());
  if (rows > 0) {
    report(`PyTorch ${torch.torch} (${torch.threads} threads) Jacobian`, {
      s: torch.jacobianRowsSeconds,
      'rows/s': rows / torch.jacobianRowsSeconds,
      'full d estimate s': torch.jacobianFullSecondsEstimate,
      'gahb/PyTorch time': jacobianSeconds / torch.jacobianRowsSeconds,
    });
  }
  if (n > 0) {
    report(`PyTorch torch.linalg.eigh n = ${n}`, { s: torch.eigenSeconds, 'gahb/PyTorch time': eigenSeconds / torch.eigenSeconds });
  }
}
console.log(`load average after: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
