// Loader of the WebAssembly SIMD kernels of symmetricEigen (native/eigen-kernels.c, built by
// native/build.sh and shipped as native/eigen-kernels.wasm). Each decomposition gets its own instance and
// shared memory, sized for its n, so the memory is released after the call. The back-transformation can
// run on the calling thread and one worker thread at once (see ./eigen-worker).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createLogger } from '@gahb/core';
import { backTransformWorker, type BackTransformJob } from './eigen-worker';

// The same relative path from src/ (tests) and dist/ (the built package).
const KERNEL_PATH = path.join(__dirname, '..', 'native', 'eigen-kernels.wasm');
const PAGE_BYTES = 65536;
// wasm32 addresses 2³² bytes, 65 536 pages, the maximum that the module declares for its memory.
const MAX_PAGES = 65536;
const BYTES_PER_DOUBLE = 8;

// Reflectors per block of the back-transformation. A packed block takes 256n bytes (400 KB at n = 1600), which
// fits a typical L2 cache together with a chunk of rows.
const REFLECTOR_BLOCK = 32;
// Reduction steps per call into the kernel, so that progress can be reported between calls.
const STEPS_PER_CALL = 64;
// Target size of a chunk of eigenvector rows, which stays in L2 while all reflector blocks pass over it.
const CHUNK_BYTES = 512 * 1024;

// The subset of the WebAssembly JavaScript API used here. The repository compiles against lib ES2022 and
// @types/node 20, neither of which declares the WebAssembly namespace.
// A compiled WebAssembly.Module, opaque here.
type WasmModule = object;
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The kernel's exports; pointers are byte offsets into the shared memory. */
export interface KernelExports {
  tridiagonalise_start(a: number, n: number, offDiagonal: number, betas: number, p: number): void;
  tridiagonalise_steps(a: number, n: number, diagonal: number, offDiagonal: number, betas: number, p: number, nextP: number, w: number, kBegin: number, kEnd: number): void;
  pack_reflectors(a: number, betas: number, n: number, block: number, packedAll: number, tAll: number, dots: number): void;
  apply_reflectors_to_rows(n: number, block: number, packedAll: number, tAll: number, z: number, rowBegin: number, rowEnd: number, coefficients: number, spare: number): void;
  __heap_base: { value: number };
}

let compiled: WasmModule | null | undefined;
let heapBase = 0;
let unavailableReason = '';

/**
 * Returns the compiled kernel module, or null when the file is missing or this runtime lacks WebAssembly
 * SIMD or shared memory (then {@link eigenKernelUnavailableReason} returns the reason). Compiled once per thread.
 */
function kernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  let bytes: Buffer;
  try {
    bytes = readFileSync(KERNEL_PATH);
  } catch (error) {
    unavailableReason = `cannot read ${KERNEL_PATH}: ${(error as Error).message}`;
    createLogger('linalg-analysis').warn({ err: error }, `symmetricEigen: WebAssembly kernel not found, using JavaScript: ${unavailableReason}`);
    compiled = null;
    return compiled;
  }
  if (wasm === undefined || typeof SharedArrayBuffer === 'undefined' || !wasm.validate(bytes)) {
    unavailableReason = 'this runtime does not support WebAssembly SIMD (f64x2) with shared memory';
    createLogger('linalg-analysis').warn(`symmetricEigen: ${unavailableReason}, using JavaScript.`);
    compiled = null;
    return compiled;
  }
  compiled = new wasm.Module(bytes);
  // __heap_base, the first byte after the kernel's 64 KiB stack (unused by the kernels) and static data, is
  // fixed at link time; 16 pages exceed the module's minimum memory.
  const probe = new wasm.Instance(compiled, { env: { memory: new wasm.Memory({ initial: 16, maximum: 16, shared: true }) } });
  heapBase = (probe.exports as KernelExports).__heap_base.value;
  return compiled;
}

/** Returns why the kernel cannot run here, or undefined when it can. */
export function eigenKernelUnavailableReason(): string | undefined {
  return kernelModule() === null ? unavailableReason : undefined;
}

/**
 * Sizes in doubles of the regions of a decomposition of size n, in layout order. Without eigenvectors the
 * regions of the back-transformation are empty.
 */
function regionSizes(n: number, withEigenvectors: boolean): Record<Region, number> {
  const block = REFLECTOR_BLOCK;
  const blocks = n < 3 || !withEigenvectors ? 0 : Math.ceil((n - 2) / block);
  const vectorLength = withEigenvectors ? n : 0;
  return {
    a: n * n,
    z: n * vectorLength,
    diagonal: n,
    offDiagonal: n,
    betas: n,
    p: n,
    nextP: n,
    w: n,
    // Block q holds b·m doubles with m = n − k0 − 1. The sum is about (n² + 30n)/2 for blocks of 32, below
    // this bound.
    packed: Math.ceil((vectorLength * (n + 2 * block)) / 2),
    t: blocks * block * block,
    dots: block,
    // Scratch of the calling thread and of the worker thread.
    coefficients: 4 * block,
    spare: 4 * vectorLength,
    workerCoefficients: 4 * block,
    workerSpare: 4 * vectorLength,
  };
}

type Region = 'a' | 'z' | 'diagonal' | 'offDiagonal' | 'betas' | 'p' | 'nextP' | 'w' | 'packed' | 't' | 'dots' | 'coefficients' | 'spare' | 'workerCoefficients' | 'workerSpare';

/** Returns the byte offset of each region, every region aligned to 16 bytes, and the end of the last one. */
function layout(n: number, withEigenvectors: boolean): { offsets: Record<Region, number>; end: number } {
  let next = align16(heapBase);
  const offsets = {} as Record<Region, number>;
  for (const [region, doubles] of Object.entries(regionSizes(n, withEigenvectors)) as [Region, number][]) {
    offsets[region] = next;
    next = align16(next + doubles * BYTES_PER_DOUBLE);
  }
  return { offsets, end: next };
}

/** One decomposition's kernel instance: the matrix and the reflectors live in its memory. */
export class EigenKernelSession {
  /** The n×n work matrix in kernel memory; the caller writes the symmetric matrix into its upper triangle. */
  readonly matrix: Float64Array;
  private readonly exports: KernelExports;
  private readonly memory: WasmMemory;
  private readonly offsets: Record<Region, number>;

  private constructor(
    private readonly n: number,
    private readonly withEigenvectors: boolean,
    api: WasmApi,
    private readonly module: WasmModule,
    pages: number,
  ) {
    this.offsets = layout(n, withEigenvectors).offsets;
    this.memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
    this.exports = new api.Instance(module, { env: { memory: this.memory } }).exports as KernelExports;
    this.matrix = new Float64Array(this.memory.buffer, this.offsets.a, n * n);
  }

  /**
   * Creates a session for size n, or returns undefined when the kernel is unavailable or n exceeds wasm32
   * memory. Without `withEigenvectors` the session only reduces the matrix, in about 40% of the memory.
   */
  static create(n: number, withEigenvectors = true): EigenKernelSession | undefined {
    const module = kernelModule();
    if (wasm === undefined || module === null) return undefined;
    const pages = Math.ceil(layout(n, withEigenvectors).end / PAGE_BYTES);
    if (pages > MAX_PAGES) return undefined;
    return new EigenKernelSession(n, withEigenvectors, wasm, module, pages);
  }

  /**
   * Reduces the matrix in {@link matrix} to tridiagonal form T = QᵀAQ (the same reflectors and storage as the
   * JavaScript reduction) and returns copies of T's diagonal and off-diagonal and of the reflector
   * coefficients. `onSteps` is called with the number of steps done after each call into the kernel.
   */
  tridiagonalise(onSteps?: (steps: number) => void): { diagonal: Float64Array; offDiagonal: Float64Array; betas: Float64Array } {
    const { n, offsets } = this;
    const kernel = this.exports;
    if (n >= 3) {
      kernel.tridiagonalise_start(offsets.a, n, offsets.offDiagonal, offsets.betas, offsets.p);
      let p = offsets.p;
      let nextP = offsets.nextP;
      for (let k = 0; k < n - 2; k += STEPS_PER_CALL) {
        const end = Math.min(k + STEPS_PER_CALL, n - 2);
        kernel.tridiagonalise_steps(offsets.a, n, offsets.diagonal, offsets.offDiagonal, offsets.betas, p, nextP, offsets.w, k, end);
        // The kernel swaps p and next p after every step.
        if ((end - k) % 2 === 1) [p, nextP] = [nextP, p];
        onSteps?.(end - k);
      }
    }

    const doubles = new Float64Array(this.memory.buffer);
    const at = (region: Region, length: number): Float64Array => doubles.slice(offsets[region] / BYTES_PER_DOUBLE, offsets[region] / BYTES_PER_DOUBLE + length);
    const diagonal = at('diagonal', n);
    const offDiagonal = at('offDiagonal', Math.max(n - 1, 0));
    const betas = n >= 3 ? at('betas', n) : new Float64Array(n);
    // The last 2×2 block is not reduced: its entries are T's.
    const a = this.matrix;
    if (n >= 2) {
      diagonal[n - 2] = a[(n - 2) * n + n - 2];
      offDiagonal[n - 2] = a[(n - 2) * n + n - 1];
    }
    diagonal[n - 1] = a[(n - 1) * n + n - 1];
    return { diagonal, offDiagonal, betas };
  }

  /**
   * Replaces each row t of the n×n `vectors` by Q t, with Q from {@link tridiagonalise}. The rows are split
   * into chunks that the calling thread and, when `useWorker` is set, a worker thread take in turn, so a
   * slow or late worker only gets fewer chunks. `onRows` is called with the row count of each chunk done
   * on the calling thread.
   */
  backTransform(vectors: Float64Array, useWorker: boolean, onRows?: (rows: number) => void): void {
    const { n, offsets } = this;
    if (!this.withEigenvectors) {
      throw new Error('EigenKernelSession.backTransform: this session was created without eigenvectors; create it with withEigenvectors = true.');
    }
    if (n < 3) return;
    const z = new Float64Array(this.memory.buffer, offsets.z, n * n);
    z.set(vectors);
    this.exports.pack_reflectors(offsets.a, offsets.betas, n, REFLECTOR_BLOCK, offsets.packed, offsets.t, offsets.dots);

    const chunkRows = Math.max(4, 4 * Math.floor(CHUNK_BYTES / (4 * n * BYTES_PER_DOUBLE)));
    const chunkCount = Math.ceil(n / chunkRows);
    // control[0]: next chunk to take; control[1]: worker state (see BackTransformJob).
    const control = new Int32Array(new SharedArrayBuffer(8));
    const job: BackTransformJob = {
      module: this.module,
      memory: this.memory,
      control,
      n,
      block: REFLECTOR_BLOCK,
      chunkRows,
      chunkCount,
      packed: offsets.packed,
      t: offsets.t,
      z: offsets.z,
      coefficients: offsets.workerCoefficients,
      spare: offsets.workerSpare,
    };
    const worker = useWorker ? backTransformWorker() : undefined;
    worker?.start(job);

    for (let chunk = Atomics.add(control, 0, 1); chunk < chunkCount; chunk = Atomics.add(control, 0, 1)) {
      const rowBegin = chunk * chunkRows;
      const rowEnd = Math.min(n, rowBegin + chunkRows);
      this.exports.apply_reflectors_to_rows(n, REFLECTOR_BLOCK, offsets.packed, offsets.t, offsets.z, rowBegin, rowEnd, offsets.coefficients, offsets.spare);
      onRows?.(rowEnd - rowBegin);
    }
    worker?.finish(job);
    vectors.set(z);
  }
}

function align16(offset: number): number {
  return Math.ceil(offset / 16) * 16;
}
