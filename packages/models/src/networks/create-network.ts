import { architectureRegistry } from './architecture-registry';
import type { BiasFreeNetwork } from './bias-free-network';
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
