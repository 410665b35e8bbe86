import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commandRegistry } from './command-registry';
import { createProgram } from './main';
import { loadPlugins } from './plugins';

describe('loadPlugins', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gahb-plugins-'));
  });

  afterEach(async () => {
    commandRegistry.unregister('hello-plugin');
    await rm(dir, { recursive: true, force: true });
  });

  test('installed plugin adds its subcommand', async () => {
    // A stand-in third-party package that registers a subcommand through the registry object it is given.
    const packageDir = path.join(dir, 'node_modules', 'gahb-hello-plugin');
    await mkdir(packageDir, { recursive: true });
    await writeFile(path.join(packageDir, 'package.json'), JSON.stringify({ name: 'gahb-hello-plugin', main: 'index.js' }));
    await writeFile(
      path.join(packageDir, 'index.js'),
      "globalThis.__gahbRegistry.register('hello-plugin', { name: 'hello-plugin', description: 'Say hello.', configure() {} });\n",
    );
    (globalThis as Record<string, unknown>).__gahbRegistry = commandRegistry;

    expect(loadPlugins('gahb-hello-plugin', dir)).toEqual(['gahb-hello-plugin']);
    const names = createProgram().commands.map((command) => command.name());
    expect(names).toContain('hello-plugin');
  });

  test('missing plugin names the package and the folder', () => {
    expect(() => loadPlugins('gahb-no-such-plugin', dir)).toThrow(`Plugin "gahb-no-such-plugin" named in GAHB_PLUGINS was not found from ${dir}`);
  });

  test('empty variable loads nothing', () => {
    expect(loadPlugins(' , ', dir)).toEqual([]);
  });
});
