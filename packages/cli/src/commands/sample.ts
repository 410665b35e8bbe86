/**
 * `gahb sample` draws samples from one or more trained denoisers with a registered sampler, by default the
 * study's coarse-to-fine sampler. With several models the same seeds run through each model. So sample i of
 * every model starts from the same noise, as in the study's paired comparisons.
 */
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { initBackend } from '@gahb/backend';
import { checkOutputPath, createImageBatch, writeImageGrid, writeJsonAtomic, writeNpy, type ImageBatch } from '@gahb/core';
import { samplerRegistry, type SampleResult, type SamplerOptions } from '@gahb/diffusion';
import { loadCheckpoint } from '@gahb/models';
import { registerCommand } from '../command-registry';

/** Returns a commander parser for numbers accepted by `check`; `rule` completes "use …" in the error. */
export function numberParser(check: (value: number) => boolean, rule: string): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (value.trim() === '' || !check(parsed)) {
      throw new InvalidArgumentError(`"${value}" is invalid: use ${rule}.`);
    }
    return parsed;
  };
}

export const parsePositiveInteger = numberParser((value) => Number.isSafeInteger(value) && value >= 1, 'an integer >= 1');
export const parseNonNegativeInteger = numberParser((value) => Number.isSafeInteger(value) && value >= 0, 'an integer >= 0');
export const parseNumber = numberParser((value) => Number.isFinite(value), 'a finite number');

/** Sampler options as commander parses them. */
export interface SamplerCommandOptions {
  sampler: string;
  sigma0?: number;
  sigmaFinal?: number;
  h0?: number;
  beta?: number;
  initialMean?: number;
  schedule?: string;
  maxIterations?: number;
  finalDenoise: boolean;
  divergenceSigma?: number;
  batchSize?: number;
  backend: string;
}

/** Adds the sampler's options to `command`; unset options keep the sampler's defaults. */
export function addSamplerOptions(command: Command): Command {
  return command
    .option('--sampler <name>', `sampler: ${samplerRegistry.names().join(', ')}`, 'coarse-to-fine')
    .option('--sigma0 <sigma>', 'standard deviation of the initial noise, pixel units of [0, 1] images (default 1)', parseNumber)
    .option('--sigma-final <sigma>', 'a sample stops when its effective noise level falls to this value (default 0.05)', parseNumber)
    .option('--h0 <step>', 'first step size, in (0, 1] (default 0.01)', parseNumber)
    .option('--beta <beta>', 'fraction of removed noise not replaced by fresh noise, in (0, 1] (default 0.1)', parseNumber)
    .option('--initial-mean <mean>', 'mean of the initial noise, pixel units (default 0.5)', parseNumber)
    .option('--schedule <schedule>', "step-size schedule: 'ramp' (h0·t/(1 + h0·(t − 1))) or 'constant' (default ramp)")
    .option('--max-iterations <count>', 'maximum steps per sample (default 5000)', parsePositiveInteger)
    .option('--no-final-denoise', 'return the last state instead of its one-step denoised version')
    .option('--divergence-sigma <sigma>', 'a sample whose effective noise level exceeds this is marked diverged (default 2)', parseNumber)
    .option('--batch-size <count>', 'samples passed to the denoiser at once (default: all)', parsePositiveInteger)
    .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu, tensorflow, tensorflow-gpu', 'auto');
}

/** Returns the sampler options set on the command line. */
export function samplerOptionsFrom(options: SamplerCommandOptions): Partial<SamplerOptions> {
  return {
    sigma0: options.sigma0,
    sigmaFinal: options.sigmaFinal,
    h0: options.h0,
    beta: options.beta,
    initialMean: options.initialMean,
    schedule: options.schedule as SamplerOptions['schedule'] | undefined,
    maxIterations: options.maxIterations,
    finalDenoise: options.finalDenoise,
    divergenceSigma: options.divergenceSigma,
    batchSize: options.batchSize,
  };
}

/** Parses "64" or "64x48" (height x width) into [height, width]. */
export function parseImageSize(value: string): [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/.exec(value.trim());
  const height = match === null ? Number.NaN : Number(match[1]);
  const width = match === null ? Number.NaN : Number(match[2] ?? match[1]);
  if (!(Number.isSafeInteger(height) && Number.isSafeInteger(width) && height >= 1 && width >= 1)) {
    throw new InvalidArgumentError(`"${value}" is invalid: use a size in pixels such as 32 or 80x64 (height x width).`);
  }
  return [height, width];
}

/** Returns the path of the JSON summary written next to `npyPath` (samples.npy → samples.json). */
export function summaryPath(npyPath: string): string {
  const extension = path.extname(npyPath);
  return extension === '' ? `${npyPath}.json` : `${npyPath.slice(0, -extension.length)}.json`;
}

/** An option label such as "--out" and its path, or undefined when the option is not set. */
export type LabelledPath = readonly [string, string | undefined];

/** Returns the labelled summary path of `--out`. An `--out` ending in .json is rejected, because its summary would replace it. */
export function summaryOutput(npyPath: string): LabelledPath {
  const summary = summaryPath(npyPath);
  if (path.resolve(summary) === path.resolve(npyPath)) {
    throw new Error(`--out "${npyPath}" ends in .json, the name of the JSON summary written next to it; use a .npy path.`);
  }
  return ['the JSON summary', summary];
}

/**
 * Checks, before long work starts, that every output can be written and that no output shares a path with
 * another output or with an input, where the write would silently replace that file.
 */
export async function checkOutputPaths(outputs: readonly LabelledPath[], inputs: readonly LabelledPath[] = []): Promise<void> {
  const labels = new Map<string, string>();
  for (const [label, file] of inputs) {
    if (file !== undefined) {
      labels.set(path.resolve(file), label);
    }
  }
  for (const [label, file] of outputs) {
    if (file === undefined) {
      continue;
    }
    const resolved = path.resolve(file);
    const previous = labels.get(resolved);
    if (previous !== undefined) {
      throw new Error(`${label} "${file}" is also the path of ${previous}; give each output its own file.`);
    }
    labels.set(resolved, label);
    await checkOutputPath(file, label);
  }
}

/** Per-sample statistics of a result for the JSON summary. */
export function describeResult(model: string, result: SampleResult): Record<string, unknown> {
  return {
    model,
    status: result.status,
    iterations: Array.from(result.iterations),
    finalSigma: Array.from(result.finalSigma),
  };
}

interface SampleCommandOptions extends SamplerCommandOptions {
  model: string[];
  count: number;
  seed: number;
  size: [number, number];
  channels?: number;
  firstIndex: number;
  out: string;
  grid?: string;
  trajectory?: string;
  trajectoryEvery: number;
}

/** Stacks equal-shaped batches into one Float32Array [batches.length, ...batch shape]. */
function stack(batches: ImageBatch[]): Float32Array {
  const size = batches[0].data.length;
  const data = new Float32Array(batches.length * size);
  batches.forEach((batch, k) => data.set(batch.data, k * size));
  return data;
}

registerCommand({
  name: 'sample',
  description: 'Draw samples from trained denoisers with the coarse-to-fine sampler; several models share the seeds.',
  configure(command) {
    command
      .requiredOption('--model <dir>', 'checkpoint directory; repeat for paired samples from several models', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
      .option('--count <count>', 'number of samples per model', parsePositiveInteger, 16)
      .option('--seed <seed>', 'seed of the initial and step noise', parseNonNegativeInteger, 0)
      .requiredOption('--size <size>', 'image size in pixels: 32 or 80x64 (height x width)', parseImageSize)
      .option('--channels <count>', 'image channels (default: the checkpoint configuration, else 1)', parsePositiveInteger)
      .option('--first-index <index>', 'index of the first sample, to split a large request', parseNonNegativeInteger, 0)
      .requiredOption('--out <file>', 'samples as float32 .npy: [count, h, w, c] for one model, [models, count, h, w, c] for several')
      .option('--grid <file>', 'PNG grid of the samples, one row per model')
      .option('--trajectory <file>', 'one-step denoised states every --trajectory-every steps as float32 .npy [models, snapshots, count, h, w, c]')
      .option('--trajectory-every <steps>', 'steps between recorded states', parsePositiveInteger, 10);
    addSamplerOptions(command).action(async (options: SampleCommandOptions) => {
      const sampler = samplerRegistry.get(options.sampler);
      // Outputs are written after sampling, which can take hours, so their paths are checked first.
      await checkOutputPaths([
        ['--out', options.out],
        summaryOutput(options.out),
        ['--grid', options.grid],
        ['--trajectory', options.trajectory],
      ]);
      await initBackend({ backend: options.backend });
      const loaded = [];
      for (const dir of options.model) {
        loaded.push(await loadCheckpoint(dir));
      }
      const configChannels = loaded[0].config['imageChannels'];
      const channels = options.channels ?? (typeof configChannels === 'number' ? configChannels : 1);
      const [height, width] = options.size;
      const request = { count: options.count, seed: options.seed, shape: [height, width, channels] as [number, number, number], firstIndex: options.firstIndex };
      const samplerOptions = { ...samplerOptionsFrom(options), trajectoryEvery: options.trajectory !== undefined ? options.trajectoryEvery : undefined };

      const results: SampleResult[] = [];
      for (const { denoiser } of loaded) {
        results.push(await sampler.sample(denoiser, request, samplerOptions));
      }

      const sampleShape = [options.count, height, width, channels];
      const shape = results.length === 1 ? sampleShape : [results.length, ...sampleShape];
      await writeNpy(options.out, { dtype: 'float32', shape, data: stack(results.map((result) => result.samples)) });
      await writeJsonAtomic(summaryPath(options.out), {
        sampler: options.sampler,
        request,
        options: samplerOptions,
        results: results.map((result, k) => describeResult(options.model[k], result)),
      });

      if (options.grid !== undefined) {
        const all = createImageBatch(results.length * options.count, height, width, channels);
        all.data.set(stack(results.map((result) => result.samples)));
        await writeImageGrid(options.grid, all, { columns: options.count });
      }
      if (options.trajectory !== undefined) {
        const snapshots = Math.max(...results.map((result) => result.trajectory?.denoised.length ?? 0));
        const imageCount = options.count * height * width * channels;
        const data = new Float32Array(results.length * snapshots * imageCount);
        results.forEach((result, k) => {
          const denoised = result.trajectory?.denoised ?? [];
          for (let j = 0; j < snapshots; j++) {
            // A model whose samples stopped earlier repeats its last recorded states.
            const snapshot = denoised[Math.min(j, denoised.length - 1)];
            data.set(snapshot.data, (k * snapshots + j) * imageCount);
          }
        });
        await writeNpy(options.trajectory, { dtype: 'float32', shape: [results.length, snapshots, ...sampleShape], data });
      }

      for (const [k, result] of results.entries()) {
        const converged = result.status.filter((status) => status === 'converged').length;
        const meanSteps = result.iterations.reduce((sum, steps) => sum + steps, 0) / options.count;
        console.log(`${options.model[k]}: ${converged}/${options.count} converged, ${meanSteps.toFixed(1)} steps on average`);
        const stoppedAtStart = result.iterations.filter((steps) => steps === 0).length;
        if (stoppedAtStart > 0) {
          console.log(
            `warning: ${stoppedAtStart} sample(s) of ${options.model[k]} stopped before the first step, because the denoiser's residual ` +
              'was already below --sigma-final; such samples are the initial noise. Check that the network is trained.',
          );
        }
      }
      console.log(`samples written to ${options.out}`);
      for (const { network } of loaded) {
        network.dispose();
      }
    });
  },
});
