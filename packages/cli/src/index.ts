export { createProgram, main } from './main';
export { commandRegistry, registerCommand } from './command-registry';
export type { CommandPlugin } from './command-registry';
export { loadPlugins } from './plugins';
