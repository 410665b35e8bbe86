import type { Command } from 'commander';
import { Registry } from '@gahb/core';

/**
 * A `gahb` subcommand. `configure` receives the commander sub-command already named and described,
 * and adds its arguments, options and action.
 */
export interface CommandPlugin {
  /** Name typed after `gahb`, e.g. "train". */
  name: string;
  /** One line for `gahb --help`. */
  description: string;
  configure(command: Command): void;
}

/** Registry of `gahb` subcommands; a package registers its own on import. */
export const commandRegistry = new Registry<CommandPlugin>('command');

/** Adds `plugin` to the subcommand registry. */
export function registerCommand(plugin: CommandPlugin): void {
  commandRegistry.register(plugin.name, plugin);
}
