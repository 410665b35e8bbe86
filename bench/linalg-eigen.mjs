// Benchmark of symmetricEigen (@gahb/linalg-analysis): the WebAssembly SIMD kernel against the JavaScript
// path (the baseline, `implementation: 'javascript'`) and against torch.linalg.eigh of PyTorch, all in the
// same run on the same random symmetric matrices. The PyTorch side is bench/pytorch/jacobian.py with
// --rows 0, run by Debian's /usr/bin/python3 (python3-torch; the python3 on PATH may lack torch).
//
// Build first: npx tsc -b packages/linalg-analysis/tsconfig.build.json
// Run:         node bench/linalg-eigen.mjs [--sizes 400,1600] [--repeats 3] [--threads 2]
//                [--javascript-max 1600] [--skip-two-threads] [--skip-pytorch]
// The wasm path runs with threads: 1 and threads: 2 (a worker thread takes part of the eigenvector rows);
// --javascript-max skips the JavaScript path above that n (it took 823 s at n = 6400).
// Each figure is the minimum wall time over the repeats. The load average is printed before each size,
// because other processes on a shared machine slow every figure by a varying factor.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import core from '../packages/core/dist/index.js';
import linalg from '../packages/linalg-analysis/dist/index.js';

const { RandomStream } = core;
const { symmetricEigen } = linalg;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const sizes = option('--sizes', '400,1600').split(',').map(Number);
const repeats = Number(option('--repeats', '3'));
const threads = Number(option('--threads', '2'));
const javascriptMax = Number(option('--javascript-max', '1600'));
const skipPytorch = process.argv.includes('--skip-pytorch');
const twoThreads = !process.argv.includes('--skip-two-threads');
for (const size of sizes) {
  if (!Number.isSafeInteger(size) || size < 1) throw new Error(`--sizes: ${size} is invalid; use positive integers separated by commas.`);
}
if (!Number.isSafeInteger(repeats) || repeats < 1) throw new Error(`--repeats: ${repeats} is invalid; use a positive integer.`);

const loadAverage = () => os.loadavg().map((value) => value.toFixed(2)).join(', ');

function randomSymmetric(n) {
  const matrix = new Float64Array(n * n);
  const random = RandomStream.fromSeed(1, 'bench-matrix');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = random.normal();
      matrix[i * n + j] = value;
      matrix[j * n + i] = value;
    }
  }
  return matrix;
}

/** Returns the minimum wall time in seconds of `repeats` calls of `run`. */
function minimumSeconds(run) {
  let best = Infinity;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const start = performance.now();
    run();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

function pytorchSeconds(n) {
  const script = fileURLToPath(new URL('./pytorch/jacobian.py', import.meta.url));
  let best = Infinity;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const output = execFileSync('/usr/bin/python3', [script, '--rows', '0', '--eigen', String(n), '--threads', String(threads)], { encoding: 'utf8' });
    best = Math.min(best, JSON.parse(output.trim().split('\n').pop()).eigenSeconds);
  }
  return best;
}

function report(label, seconds, n, reference) {
  const gflops = ((4 / 3 + 2) * n ** 3) / seconds / 1e9;
  const ratio = reference === undefined ? '' : `  time / PyTorch ${(seconds / reference).toFixed(2)}`;
  console.log(`${label.padEnd(44)} ${seconds.toFixed(3)} s  ${gflops.toFixed(1)} GFLOP/s${ratio}`);
}

console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, repeats ${repeats} (minimum reported)`);
for (const n of sizes) {
  console.log(`\nn = ${n}, load average before: ${loadAverage()}`);
  const matrix = randomSymmetric(n);
  const torch = skipPytorch ? undefined : pytorchSeconds(n);
  const wasm = minimumSeconds(() => symmetricEigen(matrix, n, { implementation: 'wasm', threads: 1 }));
  const wasmTwoThreads = twoThreads ? minimumSeconds(() => symmetricEigen(matrix, n, { implementation: 'wasm', threads: 2 })) : undefined;
  const javascript = n <= javascriptMax ? minimumSeconds(() => symmetricEigen(matrix, n, { implementation: 'javascript' })) : undefined;

  report(`gahb symmetricEigen, wasm SIMD, 1 thread`, wasm, n, torch);
  if (wasmTwoThreads !== undefined) report(`gahb symmetricEigen, wasm SIMD, 2 threads`, wasmTwoThreads, n, torch);
  if (javascript !== undefined) report(`gahb symmetricEigen, JavaScript`, javascript, n, torch);
  if (torch !== undefined) report(`PyTorch torch.linalg.eigh (${threads} threads)`, torch, n);
  if (javascript !== undefined) console.log(`JavaScript / wasm time: ${(javascript / wasm).toFixed(2)}`);
  console.log(`load average after: ${loadAverage()}`);
}
