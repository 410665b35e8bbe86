import { architectureRegistry } from './architecture-registry';
import type { Denoiser } from '@gahb/backend';
import type { BiasFreeNetwork, NetworkRecipe } from './bias-free-network';
import { resolveConfig } from './config-schema';
import './builtin-architectures';

/**
 * Builds a network of a registered architecture: `values` override the schema's defaults (strings from the
 * CLI are parsed), weights are initialised from `seed`.
 */
export function createNetwork(architecture: string, values: Record<string, unknown> = {}, seed = 0): BiasFreeNetwork {
  const entry = architectureRegistry.get(architecture);
  return entry.create(resolveConfig(architecture, entry.configSchema, values), seed);
}

/**
 * Rebuilds a network's denoiser from the argument of its `workerRecipe` (in a worker thread). The network
 * lives as long as the thread.
 */
export function denoiserFromRecipe(recipe: NetworkRecipe): Denoiser {
  const network = createNetwork(recipe.architecture, recipe.config, 0);
  network.setWeights(new Map(recipe.weights));
  return network.denoiser(recipe.name);
}
