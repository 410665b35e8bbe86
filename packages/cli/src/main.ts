import { Command } from 'commander';
import { commandRegistry } from './command-registry';
import { loadPlugins } from './plugins';
import './commands';

/** Builds the `gahb` program from the subcommand registry. */
export function createProgram(): Command {
  const program = new Command('gahb')
    .description('Reproduce and extend the geometry-adaptive harmonic representations study of diffusion-model generalization.')
    .version(require('../package.json').version as string)
    .showHelpAfterError()
    .exitOverride();

  for (const [name, plugin] of commandRegistry.list()) {
    const command = program.command(name).description(plugin.description);
    plugin.configure(command);
  }
  return program;
}

/** Runs `gahb` with Node's `process.argv`. Errors from commander (help, version, usage) set the exit code only. */
export async function main(argv: string[]): Promise<void> {
  loadPlugins();
  const program = createProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      return;
    }
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
      return;
    }
    throw error;
  }
}
