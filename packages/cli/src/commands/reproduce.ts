import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { registerCommand } from '../command-registry';
import { reproduce } from '../reproduce/reproduce';
import { presets } from '../reproduce/presets';

/** Parses a command-line value that must be an integer ≥ 1; commander names the option and value in the error. */
function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('Use an integer ≥ 1.');
  }
  return parsed;
}

// Each training job loads its own copy of the data pool, so the default stays small on machines with many cores.
const MAX_DEFAULT_JOBS = 4;

/** Returns the default of --jobs: one training process per core, because the wasm backend uses one thread. */
function defaultJobs(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_JOBS, os.availableParallelism()));
}

registerCommand({
  name: 'reproduce',
  description: 'Run the whole study (data, training sweep, sampling, Jacobian analysis, C^α and disks) and write an HTML report.',
  configure(command) {
    command
      .option('--preset <name>', `experiment size: ${Object.keys(presets).join(', ')}; default quick for a new run, a resumed run keeps its own`)
      .option('--data <source>', "natural-image source for the sweep, resolved by @gahb/datasets: 'patches:bundled' (default) or e.g. 'celeba:DIR'")
      .option('--out <dir>', 'run directory (config.json, data/, checkpoints/, figures/, report/index.html)', 'gahb-run')
      .option('--resume', 'continue the run in --out: skip completed steps and finished training jobs', false)
      .option(
        '--jobs <count>',
        `training jobs run at the same time, each in its own process when > 1 (default: one per core, at most ${MAX_DEFAULT_JOBS}; here ${defaultJobs()})`,
        parsePositiveInteger,
      )
      .option('--backend <name>', "TensorFlow.js backend: 'auto' (default), 'wasm', 'cpu', 'tensorflow' or 'tensorflow-gpu'")
      .action(async (options: { preset?: string; data?: string; out: string; resume: boolean; jobs?: number; backend?: string }) => {
        // Without this check a mistyped --out would start a new run of the default preset.
        if (options.resume && !existsSync(path.join(options.out, 'config.json'))) {
          throw new Error(`--resume: ${options.out} contains no run (config.json not found): check --out, or leave out --resume to start a new run.`);
        }
        const stopInterruptHint = printResumeHintOnInterrupt(options.out);
        let result;
        try {
          result = await reproduce({ ...options, jobs: options.jobs ?? defaultJobs() });
        } finally {
          stopInterruptHint();
        }
        const incomplete = result.summary.manifests.filter((manifest) => manifest.status !== 'completed');
        console.log(`Report: ${result.reportPath}`);
        if (incomplete.length > 0) {
          const lines = incomplete.map((manifest) => `  ${manifest.name} (${manifest.status}): ${manifest.summary}`);
          // A run keeps its --data, so a wrong source can only be replaced in a new run directory.
          const dataFailed = incomplete.some((manifest) => manifest.name.startsWith('data-') && manifest.status === 'failed');
          const dataHint = dataFailed ? ' A run keeps its --data: to use another data source, start a new run with another --out.' : '';
          throw new Error(
            `${incomplete.length} step(s) did not complete:\n${lines.join('\n')}\nFix the cause and rerun with --resume --out ${options.out}.${dataHint}`,
          );
        }
      });
  },
});

/**
 * Prints how to continue when the run is interrupted (Ctrl-C or SIGTERM), then ends the process with the
 * shell's code for the signal. While training children run, their own handler passes the signal on first
 * and raises it again, so this handler exits on that second delivery. Returns a function that removes it.
 */
function printResumeHintOnInterrupt(out: string): () => void {
  let printed = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!printed) {
      printed = true;
      console.error(`\nInterrupted by ${signal}. Completed steps and finished networks are kept; continue with: gahb reproduce --resume --out ${out}`);
    }
    if (process.listenerCount(signal) === 1) {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
