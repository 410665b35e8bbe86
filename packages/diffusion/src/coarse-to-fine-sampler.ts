/**
 * Stochastic coarse-to-fine gradient ascent on the log-density implicit in a denoiser: Algorithm 1 of
 * Kadkhodaie & Simoncelli, "Solving linear inverse problems using the prior implicit in a denoiser"
 * (NeurIPS 2021), as used by Kadkhodaie, Guth, Simoncelli & Mallat (ICLR 2024, App. A.2).
 *
 * Each step: residual d = x̂(y) − y (σ² times the score), effective noise σ = ‖d‖/√(number of pixels),
 * γ = σ·√((1 − βh)² − (1 − h)²) and y ← y + h·d + γ·z. For a linear inverse problem with measurement c = Mᵀx,
 * the residual is projected: d = (I − M Mᵀ)(x̂(y) − y) + M(c − Mᵀy), which also pulls the measured components
 * of y to c.
 *
 * Sample i draws its initial noise from the stream ('initial-noise', i) and its step noise z_t from the
 * stream ('sampler-noise', i), one image of normals per step it takes. So sample i is the same whatever the
 * batch size and whichever samples run next to it. Finished samples are dropped from the batch passed to
 * the denoiser: this does not change the results when the denoiser acts on each image independently, as
 * analytic denoisers and bias-free networks in eval mode do (batch norm uses its running statistics).
 */
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream, createImageBatch, startProgress, type ImageBatch } from '@gahb/core';
import type { Denoiser } from '@gahb/backend';
import type { MeasurementOperator } from './measurement-operator';
import { resolveSamplerOptions, stepSize, type SamplerOptions } from './sampler-options';
import { validateSampleRequest, type SampleRequest, type SampleResult, type SampleStatus } from './sample-types';

/** Measurements that every sample must agree with: c_i = Mᵀx_i. */
export interface LinearConstraint {
  operator: MeasurementOperator;
  /** One measurement for every sample ([measurementSize]) or one per sample ([count, measurementSize]). */
  measurements: Float32Array;
}

/** State of one contiguous group of samples run together. */
interface BatchRun {
  states: Float32Array;
  denoised: Float32Array;
  iterations: Int32Array;
  finalSigma: Float32Array;
  status: SampleStatus[];
  sigmaHistory: number[][];
  snapshotSteps: number[];
  snapshotStates: Float32Array[];
  snapshotDenoised: Float32Array[];
}

/** Sets the measured components of `vector` to `measurement` in place: v ← v + M(c − Mᵀv). */
function replaceMeasuredComponents(operator: MeasurementOperator, measurement: Float32Array, vector: Float32Array): void {
  const current = operator.forward(vector);
  const difference = new Float32Array(current.length);
  for (let k = 0; k < current.length; k++) {
    difference[k] = measurement[k] - current[k];
  }
  const correction = operator.adjoint(difference);
  for (let k = 0; k < vector.length; k++) {
    vector[k] += correction[k];
  }
}

function checkConstraint(constraint: LinearConstraint, shape: readonly [number, number, number], count: number): void {
  const { operator, measurements } = constraint;
  const [height, width, channels] = operator.imageShape;
  if (height !== shape[0] || width !== shape[1] || channels !== shape[2]) {
    throw new Error(
      `${operator.name}: the operator measures [${operator.imageShape.join(', ')}] images but the request asks for ` +
        `[${shape.join(', ')}]; create the operator for the requested shape.`,
    );
  }
  if (!operator.isOrthonormal) {
    throw new Error(`${operator.name} is not orthonormal (MᵀM ≠ I); the projected sampler step needs an operator with orthonormal columns.`);
  }
  const size = operator.measurementSize;
  if (measurements.length !== size && measurements.length !== count * size) {
    throw new Error(
      `${operator.name}: the measurements have ${measurements.length} values; expected ${size} (one for all samples) ` +
        `or ${count * size} (one per sample).`,
    );
  }
  // A NaN measurement makes every step NaN, so its samples would only stop as 'diverged'.
  const invalid = measurements.findIndex((value) => !Number.isFinite(value));
  if (invalid >= 0) {
    throw new Error(
      `${operator.name}: measurement value ${invalid} is ${measurements[invalid]}; measurements must be finite, so check the measured images.`,
    );
  }
}

/** Measurement that sample `index` (within the request) must agree with. */
function measurementOf(constraint: LinearConstraint, index: number): Float32Array {
  const size = constraint.operator.measurementSize;
  if (constraint.measurements.length === size) {
    return constraint.measurements;
  }
  return constraint.measurements.subarray(index * size, (index + 1) * size);
}

/** Runs the denoiser on the listed samples and returns x̂(y) for them, [active.length × imageSize]. */
function denoiseActive(
  denoiser: Denoiser,
  states: Float32Array,
  active: number[],
  sigmas: number[],
  shape: readonly [number, number, number],
): Float32Array {
  const [height, width, channels] = shape;
  const imageSize = height * width * channels;
  const input = new Float32Array(active.length * imageSize);
  active.forEach((sample, k) => input.set(states.subarray(sample * imageSize, (sample + 1) * imageSize), k * imageSize));

  const output = tf.tidy(() => denoiser.denoise(tf.tensor4d(input, [active.length, height, width, channels]), { sigma: sigmas }));
  try {
    const expected = [active.length, height, width, channels];
    if (output.shape.join(',') !== expected.join(',')) {
      throw new Error(
        `Denoiser "${denoiser.name}" returned shape [${output.shape.join(', ')}] for input [${expected.join(', ')}]; ` +
          'a denoiser must return an image of the shape it was given.',
      );
    }
    const values = output.dataSync();
    return values instanceof Float32Array ? values : Float32Array.from(values);
  } finally {
    output.dispose();
  }
}

/** Runs samples [start, end) of the request together. */
function runBatch(
  denoiser: Denoiser,
  request: SampleRequest,
  firstIndex: number,
  start: number,
  end: number,
  options: SamplerOptions,
  constraint: LinearConstraint | undefined,
  reportProgress: (iteration: number, justFinished: number, maxSigma: number) => void,
): BatchRun {
  const shape = request.shape;
  const imageSize = shape[0] * shape[1] * shape[2];
  const n = end - start;
  const { sigma0, sigmaFinal, h0, beta, initialMean, schedule, maxIterations, divergenceSigma, trajectoryEvery } = options;

  // 1. Initial states y₀ ~ N(m, σ₀²); with measurements, the measured components start at c instead of m.
  const states = new Float32Array(n * imageSize);
  const noiseStreams: RandomStream[] = [];
  for (let i = 0; i < n; i++) {
    const index = firstIndex + start + i;
    const state = states.subarray(i * imageSize, (i + 1) * imageSize);
    RandomStream.fromSeed(request.seed, 'initial-noise', index).fillNormal(state, 0, 1);
    for (let k = 0; k < imageSize; k++) {
      state[k] = initialMean + sigma0 * state[k];
    }
    if (constraint !== undefined) {
      // Adding M(c − Mᵀ·m1) to the mean moves its measured part to c; the noise stays full-dimensional.
      const mean = new Float32Array(imageSize).fill(initialMean);
      replaceMeasuredComponents(constraint.operator, measurementOf(constraint, start + i), mean);
      for (let k = 0; k < imageSize; k++) {
        state[k] += mean[k] - initialMean;
      }
    }
    noiseStreams.push(RandomStream.fromSeed(request.seed, 'sampler-noise', index));
  }

  const run: BatchRun = {
    states,
    denoised: new Float32Array(n * imageSize),
    iterations: new Int32Array(n),
    finalSigma: new Float32Array(n),
    status: new Array<SampleStatus>(n).fill('max-iterations'),
    sigmaHistory: Array.from({ length: n }, () => []),
    snapshotSteps: [],
    snapshotStates: [],
    snapshotDenoised: [],
  };
  const previousSigma = new Array<number>(n).fill(sigma0);
  let active = Array.from({ length: n }, (_, i) => i);
  const residual = new Float32Array(imageSize);

  for (let t = 0; active.length > 0; t++) {
    // 2. One-step denoised estimates x̂(y) of the running samples, given the σ measured at their previous step.
    const denoised = denoiseActive(denoiser, states, active, active.map((i) => previousSigma[i]), shape);
    const recordSnapshot = trajectoryEvery !== undefined && t % trajectoryEvery === 0;
    if (recordSnapshot) {
      run.snapshotSteps.push(t);
      run.snapshotStates.push(states.slice());
    }

    const stillActive: number[] = [];
    let maxSigma = 0;
    for (let k = 0; k < active.length; k++) {
      const i = active[k];
      const state = states.subarray(i * imageSize, (i + 1) * imageSize);
      const estimate = run.denoised.subarray(i * imageSize, (i + 1) * imageSize);
      estimate.set(denoised.subarray(k * imageSize, (k + 1) * imageSize));

      // 3. Residual d = x̂(y) − y, projected onto the measurement constraint when there is one.
      for (let j = 0; j < imageSize; j++) {
        residual[j] = estimate[j] - state[j];
      }
      if (constraint !== undefined) {
        const measurement = measurementOf(constraint, start + i);
        const measuredResidual = constraint.operator.forward(residual);
        const measuredState = constraint.operator.forward(state);
        const correction = new Float32Array(measuredResidual.length);
        for (let m = 0; m < correction.length; m++) {
          correction[m] = measurement[m] - measuredState[m] - measuredResidual[m];
        }
        const correctionImage = constraint.operator.adjoint(correction);
        for (let j = 0; j < imageSize; j++) {
          residual[j] += correctionImage[j];
        }
        replaceMeasuredComponents(constraint.operator, measurement, estimate);
      }

      // 4. Effective noise level σ = ‖d‖/√d and the stopping rules.
      let squaredNorm = 0;
      for (let j = 0; j < imageSize; j++) {
        squaredNorm += residual[j] * residual[j];
      }
      const sigma = Math.sqrt(squaredNorm / imageSize);
      run.sigmaHistory[i].push(sigma);
      run.finalSigma[i] = sigma;
      run.iterations[i] = t;
      if (!(sigma <= divergenceSigma)) {
        run.status[i] = 'diverged';
        if (options.onDivergence === 'error') {
          throw new Error(
            `Sample ${firstIndex + start + i} diverged at step ${t}: its effective noise level ${sigma} exceeds ` +
              `divergenceSigma ${divergenceSigma}. Check the denoiser, or set onDivergence to 'mark' to keep the other samples.`,
          );
        }
        continue;
      }
      if (sigma <= sigmaFinal) {
        run.status[i] = 'converged';
        continue;
      }
      if (t >= maxIterations) {
        run.status[i] = 'max-iterations';
        continue;
      }

      // 5. Step y ← y + h·d + γ·z, where γ keeps the effective noise after the step at (1 − βh)·σ.
      const h = stepSize(schedule, h0, t + 1);
      const gamma = sigma * Math.sqrt(Math.max(0, (1 - beta * h) ** 2 - (1 - h) ** 2));
      const stream = noiseStreams[i];
      for (let j = 0; j < imageSize; j++) {
        state[j] += h * residual[j] + gamma * stream.normal();
      }
      previousSigma[i] = sigma;
      maxSigma = Math.max(maxSigma, sigma);
      stillActive.push(i);
    }

    if (recordSnapshot) {
      run.snapshotDenoised.push(run.denoised.slice());
    }
    reportProgress(t, active.length - stillActive.length, maxSigma);
    active = stillActive;
  }

  // 6. The measured components of the returned states equal the measurements.
  if (constraint !== undefined) {
    for (let i = 0; i < n; i++) {
      replaceMeasuredComponents(constraint.operator, measurementOf(constraint, start + i), states.subarray(i * imageSize, (i + 1) * imageSize));
    }
  }
  return run;
}

/** Copies `source` (samples [start, start + n) of an image-major array) into `target` at the same place. */
function copySamples(target: Float32Array, source: Float32Array, start: number, imageSize: number): void {
  target.set(source, start * imageSize);
}

/**
 * Draws `request.count` samples from the prior implicit in `denoiser`, or from the posterior given
 * `constraint`, with the coarse-to-fine sampler. Samples are processed `options.batchSize` at a time.
 */
export async function sampleCoarseToFine(
  denoiser: Denoiser,
  request: SampleRequest,
  options: Partial<SamplerOptions> = {},
  constraint?: LinearConstraint,
): Promise<SampleResult> {
  const firstIndex = validateSampleRequest(request);
  const resolved = resolveSamplerOptions(options);
  if (constraint !== undefined) {
    checkConstraint(constraint, request.shape, request.count);
  }
  const [height, width, channels] = request.shape;
  const imageSize = height * width * channels;
  const count = request.count;
  const batchSize = Math.min(resolved.batchSize ?? count, count);

  const samples = createImageBatch(count, height, width, channels);
  const iterations = new Int32Array(count);
  const finalSigma = new Float32Array(count);
  const status: SampleStatus[] = [];
  const sigma: Float32Array[] = [];
  const runs: Array<{ start: number; run: BatchRun }> = [];
  let finished = 0;
  const progress = startProgress({ label: 'sample', total: count, unit: 'samples' });

  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const run = runBatch(denoiser, request, firstIndex, start, end, resolved, constraint, (iteration, justFinished, maxSigma) => {
      finished += justFinished;
      progress.tick(justFinished, { step: iteration, maxSigma: Number(maxSigma.toFixed(4)) });
      resolved.onProgress?.({ iteration, finished, total: count, maxSigma });
    });

    copySamples(samples.data, resolved.finalDenoise ? run.denoised : run.states, start, imageSize);
    iterations.set(run.iterations, start);
    finalSigma.set(run.finalSigma, start);
    status.push(...run.status);
    sigma.push(...run.sigmaHistory.map((history) => Float32Array.from(history)));
    if (resolved.trajectoryEvery !== undefined) {
      runs.push({ start, run });
    }
    // Yield to the event loop between batches so that timers and signal handlers run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const statusCounts: Record<string, number> = { converged: 0, 'max-iterations': 0, diverged: 0 };
  for (const value of status) {
    statusCounts[value]++;
  }
  progress.done({ denoiser: denoiser.name, ...statusCounts });

  const result: SampleResult = { samples, iterations, finalSigma, status };
  if (resolved.trajectoryEvery !== undefined) {
    result.trajectory = mergeTrajectories(runs, count, request.shape, resolved.trajectoryEvery, sigma);
  }
  return result;
}

/**
 * Joins the snapshots of batches that ran separately: snapshot j is step j·k for every sample, and a batch
 * that stopped earlier contributes its final, unchanging states.
 */
function mergeTrajectories(
  runs: Array<{ start: number; run: BatchRun }>,
  count: number,
  shape: readonly [number, number, number],
  every: number,
  sigma: Float32Array[],
): SampleResult['trajectory'] {
  const [height, width, channels] = shape;
  const imageSize = height * width * channels;
  const snapshotCount = Math.max(...runs.map(({ run }) => run.snapshotSteps.length));
  const steps: number[] = [];
  const states: ImageBatch[] = [];
  const denoised: ImageBatch[] = [];
  for (let j = 0; j < snapshotCount; j++) {
    steps.push(j * every);
    const stateBatch = createImageBatch(count, height, width, channels);
    const denoisedBatch = createImageBatch(count, height, width, channels);
    for (const { start, run } of runs) {
      const recorded = j < run.snapshotSteps.length;
      copySamples(stateBatch.data, recorded ? run.snapshotStates[j] : run.states, start, imageSize);
      copySamples(denoisedBatch.data, recorded ? run.snapshotDenoised[j] : run.denoised, start, imageSize);
    }
    states.push(stateBatch);
    denoised.push(denoisedBatch);
  }
  return { sigma, steps, states, denoised };
}
