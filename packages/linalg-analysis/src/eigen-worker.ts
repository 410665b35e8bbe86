// A worker thread that runs part of symmetricEigen's back-transformation. symmetricEigen is synchronous, so
// the calling thread takes row chunks itself and then blocks in Atomics.wait until the worker has finished
// the chunks it took. The worker is created on first use, shared by later calls, and unref'd, so it never
// keeps the process alive.
import { Worker } from 'node:worker_threads';
import { createLogger } from '@gahb/core';

/** Worker states in control[1]. */
export const WorkerState = { idle: 0, running: 1, cancelled: 2, done: 3, failed: 4 } as const;

/** Everything the worker needs for one back-transformation; see EigenKernelSession.backTransform. */
export interface BackTransformJob {
  /** The compiled kernel (a WebAssembly.Module, opaque here). */
  module: object;
  /** The decomposition's shared WebAssembly.Memory. */
  memory: object;
  /** [next chunk, worker state], on a SharedArrayBuffer. */
  control: Int32Array;
  n: number;
  block: number;
  chunkRows: number;
  chunkCount: number;
  /** Byte offsets of the packed reflectors, the T factors, the eigenvectors and the worker's scratch. */
  packed: number;
  t: number;
  z: number;
  coefficients: number;
  spare: number;
}

// The worker's code, run with `eval` so that it loads the same way from src/ (tests) and dist/. It claims
// the job unless the calling thread has cancelled it, then takes chunks until none are left.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (job) => {
  const { control } = job;
  if (Atomics.compareExchange(control, 1, ${WorkerState.idle}, ${WorkerState.running}) !== ${WorkerState.idle}) return;
  try {
    const kernel = new WebAssembly.Instance(job.module, { env: { memory: job.memory } }).exports;
    for (let chunk = Atomics.add(control, 0, 1); chunk < job.chunkCount; chunk = Atomics.add(control, 0, 1)) {
      const rowBegin = chunk * job.chunkRows;
      const rowEnd = Math.min(job.n, rowBegin + job.chunkRows);
      kernel.apply_reflectors_to_rows(job.n, job.block, job.packed, job.t, job.z, rowBegin, rowEnd, job.coefficients, job.spare);
    }
    Atomics.store(control, 1, ${WorkerState.done});
  } catch (error) {
    Atomics.store(control, 1, ${WorkerState.failed});
    parentPort.postMessage(String(error && error.stack || error));
  }
  Atomics.notify(control, 1);
});
`;

/** The shared back-transformation worker of this thread. */
class BackTransformWorker {
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Both events arrive once the calling thread is back in its event loop, after symmetricEigen has thrown.
    this.worker.on('message', (message: string) => {
      createLogger('linalg-analysis').error(`symmetricEigen: the back-transformation worker failed: ${message}`);
    });
    this.worker.on('error', (error) => {
      createLogger('linalg-analysis').error({ err: error }, `symmetricEigen: the back-transformation worker stopped: ${error.message}`);
      sharedWorker = undefined;
    });
    this.worker.on('exit', () => {
      sharedWorker = undefined;
    });
    // After the listeners, because adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  /** Sends the job; the worker joins whenever its thread gets to run. */
  start(job: BackTransformJob): void {
    this.worker.postMessage(job);
  }

  /**
   * Waits until the worker has finished the chunks it took. A worker that has not claimed the job yet is
   * cancelled: the calling thread has then taken every chunk itself.
   */
  finish(job: BackTransformJob): void {
    const { control } = job;
    if (Atomics.compareExchange(control, 1, WorkerState.idle, WorkerState.cancelled) === WorkerState.idle) return;
    // NOTE: a worker thread killed while running (not an exception, which sets the failed state) would
    // leave this wait without an end.
    while (Atomics.load(control, 1) === WorkerState.running) Atomics.wait(control, 1, WorkerState.running);
    if (Atomics.load(control, 1) === WorkerState.failed) {
      throw new Error('symmetricEigen: the back-transformation worker failed (its error is logged); pass threads: 1 to run on one thread.');
    }
  }

  terminate(): Promise<number> {
    sharedWorker = undefined;
    return this.worker.terminate();
  }
}

let sharedWorker: BackTransformWorker | undefined;

/** Returns this thread's back-transformation worker, creating it on first use. */
export function backTransformWorker(): BackTransformWorker {
  sharedWorker ??= new BackTransformWorker();
  return sharedWorker;
}

/** Stops the worker, if one runs; a later decomposition starts a new one. */
export async function closeBackTransformWorker(): Promise<void> {
  await sharedWorker?.terminate();
}
