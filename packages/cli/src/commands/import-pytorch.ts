/**
 * `gahb import-pytorch` converts a network saved by the study's PyTorch code (`torch.save` of a state dict,
 * keys optionally prefixed `module.`) into a gahb checkpoint, without executing pickle code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { initBackend } from '@gahb/backend';
import { importPytorchNetwork, saveCheckpoint } from '@gahb/models';
import { registerCommand } from '../command-registry';
import { parseConfigPairs } from './train';

interface ImportCommandOptions {
  arch: string;
  config: string[];
  out: string;
  backend: string;
}

registerCommand({
  name: 'import-pytorch',
  description: 'Convert a PyTorch state dict (model.pt of the study\'s code) into a gahb checkpoint.',
  configure(command) {
    command
      .argument('<file>', 'torch.save file holding the state dict')
      .requiredOption('--arch <name>', 'architecture of the saved network: bf-unet or bf-cnn')
      .option(
        '--config <key=value>',
        'option the tensor shapes cannot show, repeatable (bf-cnn: firstLayerLinear=true|false, default false)',
        (value: string, previous: string[]) => {
          if (!value.includes('=')) {
            throw new InvalidArgumentError(`"${value}" is invalid: use key=value, e.g. firstLayerLinear=true.`);
          }
          return [...previous, value];
        },
        [],
      )
      .requiredOption('--out <dir>', 'checkpoint directory to write')
      .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu, tensorflow, tensorflow-gpu', 'auto')
      .action(async (file: string, options: ImportCommandOptions) => {
        if (!existsSync(file)) {
          throw new Error(`PyTorch file ${file} was not found: check the path.`);
        }
        // A trained run's checkpoint would be replaced, and its metrics.jsonl would then describe another network.
        if (existsSync(path.join(options.out, 'model.json'))) {
          throw new Error(`--out ${options.out} already contains a checkpoint (model.json): choose a new folder for the imported network.`);
        }
        await initBackend({ backend: options.backend });
        const network = await importPytorchNetwork(file, options.arch, parseConfigPairs(options.config));
        await saveCheckpoint(options.out, network, { source: { pytorchFile: path.resolve(file) } });
        const config = Object.entries(network.config).map(([key, value]) => `${key}=${String(value)}`).join(', ');
        console.log(`imported: ${file} as ${options.arch} (${network.parameterCount} parameters)`);
        console.log(`config:   ${config}`);
        console.log(`written:  ${options.out}`);
        network.dispose();
      });
  },
});
