import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Loads the plugin packages named in `GAHB_PLUGINS` (comma-separated module names or paths, resolved from the
 * current directory). A plugin registers architectures, data sources, samplers, backends or subcommands when
 * it is imported, so loading it before the program is built makes its additions available to every command.
 */
export function loadPlugins(names = process.env.GAHB_PLUGINS ?? '', baseDirectory = process.cwd()): string[] {
  const requireFromBase = createRequire(path.join(path.resolve(baseDirectory), 'noop.js'));
  const loaded: string[] = [];
  for (const name of names.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0)) {
    let resolved: string;
    try {
      resolved = requireFromBase.resolve(name);
    } catch {
      throw new Error(`Plugin "${name}" named in GAHB_PLUGINS was not found from ${baseDirectory}: install it there or give its path.`);
    }
    requireFromBase(resolved);
    loaded.push(name);
  }
  return loaded;
}
