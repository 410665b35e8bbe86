// Jacobian rows or columns shared among worker threads. Each worker rebuilds the denoiser from its
// `workerRecipe` and starts its own TensorFlow.js backend, because the wasm backend runs one thread and a
// second thread needs a second instance. Each computes one contiguous share, and the calling thread only
// collects the shares and reports progress.
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser, DenoiserRecipe } from '@gahb/backend';
import type { ImageBatch } from '@gahb/core';

/** Share of one worker: `count` rows or columns from `first`, `chunkSize` per pass. */
export interface JacobianShare {
  kind: 'rows' | 'columns';
  first: number;
  count: number;
  chunkSize: number;
  sigma?: number;
  /** Windowed columns (JacobianOptions.windowed), for columns only. */
  windowed?: boolean;
}

interface WorkerInput extends JacobianShare {
  resolveFrom: string;
  backend: string;
  recipe: DenoiserRecipe;
  image: { data: Float32Array; shape: number[] };
}

type WorkerMessage = { type: 'progress'; done: number } | { type: 'result'; values: Float64Array } | { type: 'error'; message: string };

// Run with `eval` so that it loads the same way from src/ (tests) and dist/. Each worker runs the
// single-thread computeJacobianRows or computeJacobianColumns of this package (its dist build) on its share.
const WORKER_SOURCE = `
const { parentPort, workerData: job } = require('node:worker_threads');
const { createRequire } = require('node:module');
process.env.GAHB_LOG_LEVEL = 'warn';
async function main() {
  const load = createRequire(job.resolveFrom);
  await load('@gahb/backend').initBackend({ backend: job.backend });
  const analysis = load('@gahb/linalg-analysis');
  const image = load('@gahb/core').imageBatchFromData(job.image.data, job.image.shape);

  const modulePath = load.resolve(job.recipe.module, { paths: [require('node:path').dirname(job.resolveFrom), process.cwd()] });
  const build = load(modulePath)[job.recipe.exportName];
  if (typeof build !== 'function') {
    throw new Error('module ' + job.recipe.module + ' has no function ' + job.recipe.exportName + ' to rebuild the denoiser');
  }
  const denoiser = await build(job.recipe.argument);

  let reported = 0;
  const options = {
    chunkSize: job.chunkSize,
    sigma: job.sigma,
    windowed: job.windowed,
    threads: 1,
    onProgress: (done) => {
      parentPort.postMessage({ type: 'progress', done: done - reported });
      reported = done;
    },
  };
  const values = job.kind === 'columns'
    ? await analysis.computeJacobianColumns(denoiser, image, job.first, job.count, options)
    : await analysis.computeJacobianRows(denoiser, image, job.first, job.count, options);
  parentPort.postMessage({ type: 'result', values }, [values.buffer]);
}
main().catch((error) => parentPort.postMessage({ type: 'error', message: String((error && error.stack) || error) }));
`;

// gahb backend names of the TensorFlow.js backends that run one thread per instance.
const SINGLE_THREAD_BACKENDS: Record<string, string> = { wasm: 'wasm', cpu: 'cpu' };

/**
 * Computes `count` rows or columns from `first` with `threads` worker threads, count×d row-major as the
 * single-thread functions return them. `onProgress` receives the number done so far.
 */
export async function computeJacobianShares(
  caller: string,
  denoiser: Denoiser,
  image: ImageBatch,
  share: JacobianShare,
  threads: number,
  onProgress: (done: number) => void,
): Promise<Float64Array> {
  if (typeof denoiser.workerRecipe !== 'function') {
    throw new Error(`${caller}: denoiser ${denoiser.name} has no workerRecipe, so other threads cannot rebuild it; use threads: 1.`);
  }
  const backend = SINGLE_THREAD_BACKENDS[tf.getBackend()];
  if (backend === undefined) {
    throw new Error(
      `${caller}: threads ${threads} needs the wasm or cpu backend, but the active backend is ${tf.getBackend()}, ` +
        'which runs its own threads; use threads: 1.',
    );
  }
  const recipe = denoiser.workerRecipe();
  const [, height, width, channels] = image.shape;
  const d = height * width * channels;
  const result = new Float64Array(share.count * d);

  // Contiguous shares of whole units. A unit is one chunk, so that every worker runs full batches but maybe
  // the last, or for windowed columns one image row. A share boundary inside a band of tiles halves the
  // tiles there, which costs less than shares that differ by a whole band.
  const unit = share.kind === 'columns' && share.windowed !== false ? width * channels : share.chunkSize;
  const chunks = Math.ceil(share.count / unit);
  const workerCount = Math.min(threads, chunks);
  const workers: Worker[] = [];
  let done = 0;
  try {
    const jobs: Array<Promise<void>> = [];
    for (let w = 0; w < workerCount; w++) {
      const begin = Math.min(share.count, Math.round((w * chunks) / workerCount) * unit);
      const end = Math.min(share.count, Math.round(((w + 1) * chunks) / workerCount) * unit);
      const input: WorkerInput = {
        ...share,
        first: share.first + begin,
        count: end - begin,
        resolveFrom: __filename,
        backend,
        recipe,
        image: { data: Float32Array.from(image.data), shape: [...image.shape] },
      };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: input });
      workers.push(worker);

      const label = `${caller}: worker thread ${w + 1} of ${workerCount}`;
      const onDone = (count: number): void => {
        done += count;
        onProgress(done);
      };
      jobs.push(workerResult(worker, label, onDone).then((values) => result.set(values, begin * d)));
    }
    await Promise.all(jobs);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return result;
}

/** Resolves with the values `worker` computes, passing its progress messages to `onDone`. */
function workerResult(worker: Worker, label: string, onDone: (count: number) => void): Promise<Float64Array> {
  return new Promise((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        onDone(message.done);
      } else if (message.type === 'result') {
        resolve(message.values);
      } else {
        reject(new Error(`${label} failed: ${message.message}`));
      }
    });
    worker.on('error', (error) => reject(new Error(`${label} stopped: ${error.message}`)));
    // After a result this rejection is ignored, because the promise is settled already.
    worker.on('exit', (code) => reject(new Error(`${label} exited with code ${code} before its result.`)));
  });
}
