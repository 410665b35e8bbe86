// Benchmark of @gahb/linalg-analysis against PyTorch on the same machine in the same run:
// - the Jacobian of the study's bias-free UNet (3 blocks, 64 channels, random weights) on the wasm backend,
//   by batched vector-Jacobian products (rows) and by the network's linearization (columns, one forward
//   pass per batch). Each is timed on `--rows` rows or columns and extrapolated to all d;
// - the dense symmetric eigendecomposition (symmetricEigen) of an n×n matrix against torch.linalg.eigh;
// - Lanczos top-k on products (A + Aᵀ)v/2 (a linearized product and a vector-Jacobian product), timed per product.
// The PyTorch side is bench/pytorch/jacobian.py run with Debian's /usr/bin/python3 (python3-torch).
//
// Build first: npx tsc -b packages/linalg-analysis/tsconfig.build.json packages/models/tsconfig.build.json
// Run:         node bench/linalg-jacobian.mjs [--size 40] [--rows 128] [--chunk 64] [--eigen 1600]
//                [--lanczos-size 80] [--lanczos-k 100] [--lanczos-iterations 20] [--threads 2] [--skip-pytorch]
//                [--method all|vector-jacobian|linearized|linearized-whole] [--jacobian-threads 1]
// 'linearized' computes each batch of columns on windows around its tile of pixels (applyLocal), and
// 'linearized-whole' applies the linearization to whole one-hot images. With fewer rows than d, the
// columns timed are the first ones, whose tiles lie on the top edge, so 'linearized' extrapolates best from
// the full Jacobian (--rows d).
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
const { computeJacobianRows, computeJacobianColumns, symmetricEigen, lanczosTopK, openJacobianProducts } = linalg;

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
const jacobianThreads = option('--jacobian-threads', 1);
const methodIndex = process.argv.indexOf('--method');
const methodChoice = methodIndex >= 0 ? process.argv[methodIndex + 1] : 'all';
const methods = methodChoice === 'all' || methodChoice === 'both' ? ['vector-jacobian', 'linearized-whole', 'linearized'] : [methodChoice];

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

// 1. Jacobian of the UNet at size×size, by rows (vector-Jacobian products) and by columns (linearization);
//    skipped with --rows 0.
const network = createNetwork('bf-unet', {}, 0);
const denoiser = network.denoiser();
const jacobianSeconds = {};
if (rows > 0) {
  const image = randomImage(size);
  const d = size * size;
  for (const method of methods) {
    const byColumns = method.startsWith('linearized');
    const compute = byColumns ? computeJacobianColumns : computeJacobianRows;
    const windowed = method === 'linearized';
    await compute(denoiser, image, 0, Math.min(chunk, rows), { chunkSize: chunk, windowed }); // warm-up
    const start = performance.now();
    // With threads > 1 the time includes starting the workers (backend and network in each).
    await compute(denoiser, image, 0, rows, { chunkSize: chunk, threads: jacobianThreads, windowed });
    const seconds = (performance.now() - start) / 1000;
    jacobianSeconds[method] = seconds;
    const unit = byColumns ? 'columns' : 'rows';
    report(`gahb Jacobian ${size}x${size} (${method}, ${jacobianThreads} thr.), ${rows} ${unit}`, { s: seconds, [`${unit}/s`]: rows / seconds, 'full d estimate s': (seconds * d) / rows });
  }
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

// 3. Lanczos top-k at lanczosSize×lanczosSize: time per product pair (A v and Aᵀv) on a capped run. With
//    --lanczos-iterations 3k + 60 it is the full default top-k run.
if (lanczosIterations > 0) {
  const lanczosImage = randomImage(lanczosSize);
  const dimension = lanczosSize * lanczosSize;
  const start = performance.now();
  // One linearization for all products, as the analysis pipeline does; its cost is part of the time.
  const products = openJacobianProducts(denoiser, lanczosImage);
  const result = await lanczosTopK(
    async (v) => {
      const { product, transposeProduct } = await products.pair(v);
      return product.map((value, i) => 0.5 * (value + transposeProduct[i]));
    },
    dimension,
    Math.min(lanczosK, lanczosIterations),
    { maxIterations: lanczosIterations },
  );
  products.dispose();
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
    });
    for (const [method, seconds] of Object.entries(jacobianSeconds)) {
      report(`  gahb (${method}) / PyTorch time`, { ratio: seconds / torch.jacobianRowsSeconds });
    }
  }
  if (n > 0) {
    report(`PyTorch torch.linalg.eigh n = ${n}`, { s: torch.eigenSeconds, 'gahb/PyTorch time': eigenSeconds / torch.eigenSeconds });
  }
}
console.log(`load average after: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
