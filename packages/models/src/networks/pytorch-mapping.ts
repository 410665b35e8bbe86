/**
 * Conversion of the authors' PyTorch state-dict tensors to gahb's layouts: convolution weights
 * [out, in, kh, kw] → [kh, kw, in, out], transposed-convolution weights [in, out, kh, kw] → [kh, kw, out, in]
 * (both are gahb[a, b, x, y] = torch[y, x, a, b]), batch-norm tensors [1, c, 1, 1] → [c].
 */
import type { StateDict } from './architecture-registry';
import type { ParameterSpec, WeightMap } from './bias-free-network';

/** Returns the PyTorch shape of a gahb tensor. */
export function pytorchShape(spec: ParameterSpec): number[] {
  if (spec.kind === 'gain' || spec.kind === 'running-sd') {
    return [1, spec.shape[0], 1, 1];
  }
  const [kh, kw, x, y] = spec.shape;
  return [y, x, kh, kw];
}

/**
 * Returns the gahb weights of `specs` from `stateDict` (keys without `module.`). Missing, extra and
 * mis-shaped tensors are collected and reported in one error naming the architecture.
 */
export function importStateDict(architecture: string, specs: readonly ParameterSpec[], stateDict: StateDict): WeightMap {
  const problems: string[] = [];
  const expectedNames = new Set(specs.map((spec) => spec.name));
  const missing = specs.filter((spec) => !stateDict.has(spec.name)).map((spec) => spec.name);
  const extra = [...stateDict.keys()].filter((key) => !expectedNames.has(key));
  if (missing.length > 0) {
    problems.push(`missing ${missing.join(', ')}`);
  }
  if (extra.length > 0) {
    problems.push(`unexpected ${extra.join(', ')}`);
  }

  const weights: WeightMap = new Map();
  for (const spec of specs) {
    const tensor = stateDict.get(spec.name);
    if (tensor === undefined) {
      continue;
    }
    const expected = pytorchShape(spec);
    if (tensor.shape.join(',') !== expected.join(',')) {
      problems.push(`${spec.name} has shape [${tensor.shape.join(', ')}], expected [${expected.join(', ')}]`);
      continue;
    }
    const data = spec.kind === 'gain' || spec.kind === 'running-sd' ? Float32Array.from(tensor.data) : fromTorchLayout(tensor.data, spec.shape);
    weights.set(spec.name, { shape: [...spec.shape], data });
  }

  if (problems.length > 0) {
    throw new Error(`${architecture} import: the state dict does not match the inferred configuration: ${problems.join('; ')}.`);
  }
  return weights;
}

/** Reorders torch[y, x, a, b] (C order) into gahb[a, b, x, y] of shape `shape` = [kh, kw, x, y]. */
function fromTorchLayout(torch: Float32Array, shape: number[]): Float32Array {
  const [kh, kw, xCount, yCount] = shape;
  const result = new Float32Array(torch.length);
  for (let y = 0; y < yCount; y++) {
    for (let x = 0; x < xCount; x++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          result[((a * kw + b) * xCount + x) * yCount + y] = torch[((y * xCount + x) * kh + a) * kw + b];
        }
      }
    }
  }
  return result;
}
