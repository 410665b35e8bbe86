/** Import of the authors' PyTorch checkpoints into gahb networks. */
import { architectureRegistry } from '../networks/architecture-registry';
import '../networks/builtin-architectures';
import type { BiasFreeNetwork } from '../networks/bias-free-network';
import { readTorchStateDict } from './torch-archive';

/**
 * Reads a `torch.save`d state dict from `path` and returns a network of `architecture` with its weights.
 * The configuration is inferred from the tensor shapes; `overrides` set options that shapes cannot show
 * (bf-cnn's firstLayerLinear). A missing, extra or mis-shaped tensor is an error listing them.
 */
export async function importPytorchNetwork(path: string, architecture: string, overrides: Record<string, unknown> = {}): Promise<BiasFreeNetwork> {
  const entry = architectureRegistry.get(architecture);
  if (entry.importPytorch === undefined) {
    throw new Error(`Architecture ${architecture} has no PyTorch importer; use one of ${architectureRegistry.list().filter(([, e]) => e.importPytorch).map(([name]) => name).join(', ')}.`);
  }
  const stateDict = await readTorchStateDict(path);
  const { config, weights } = entry.importPytorch(stateDict, overrides);
  const network = entry.create(config, 0);
  network.setWeights(weights);
  return network;
}
