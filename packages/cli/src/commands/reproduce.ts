import { registerCommand } from '../command-registry';
import { reproduce } from '../reproduce/reproduce';
import { presets } from '../reproduce/presets';

registerCommand({
  name: 'reproduce',
  description: 'Run the whole study (data, training sweep, sampling, Jacobian analysis, C^α and disks) and write an HTML report.',
  configure(command) {
    command
      .option('--preset <name>', `experiment size: ${Object.keys(presets).join(', ')} (a resumed run keeps its own preset)`)
      .option('--data <source>', "natural-image source for the sweep, resolved by @gahb/datasets: 'patches:bundled' or e.g. 'celeba:DIR'")
      .option('--out <dir>', 'run directory (config.json, data/, checkpoints/, figures/, report/index.html)', 'gahb-run')
      .option('--resume', 'continue the run in --out: skip completed steps and finished training jobs', false)
      .option('--jobs <count>', 'training jobs run at the same time, each in its own process', (value) => Number.parseInt(value, 10))
      .option('--backend <name>', "TensorFlow.js backend: 'auto', 'wasm', 'cpu', 'tensorflow' or 'tensorflow-gpu'")
      .action(async (options: { preset?: string; data?: string; out: string; resume: boolean; jobs?: number; backend?: string }) => {
        const result = await reproduce(options);
        const incomplete = result.summary.manifests.filter((manifest) => manifest.status !== 'completed');
        console.log(`Report: ${result.reportPath}`);
        if (incomplete.length > 0) {
          const lines = incomplete.map((manifest) => `  ${manifest.name} (${manifest.status}): ${manifest.summary}`);
          throw new Error(`${incomplete.length} step(s) did not complete:\n${lines.join('\n')}\nFix the cause and rerun with --resume --out ${options.out}.`);
        }
      });
  },
});
