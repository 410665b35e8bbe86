/**
 * Reading of `torch.save` files in PyTorch's zip format (PyTorch ≥ 1.6): a zip archive whose single top
 * folder (its name varies) contains `data.pkl`, the pickled object, and `data/<key>`, one raw little-endian
 * storage per key. Tensors are rebuilt from (storage, offset, size, stride) without running pickle code.
 */
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';

import type { StateDict } from '../networks/architecture-registry';
import { PickleDict, PickleGlobal, PickleTuple, readPickle } from './pickle';

/** Globals a state dict may use: the dict type, tensor rebuilders and float storage types. */
const allowedGlobals: ReadonlySet<string> = new Set([
  'collections OrderedDict',
  'torch._utils _rebuild_tensor_v2',
  'torch._utils _rebuild_parameter',
  'torch FloatStorage',
  'torch DoubleStorage',
  'torch HalfStorage',
]);

/** Bytes per element of each accepted storage type. */
const storageElementBytes: Record<string, number> = { FloatStorage: 4, DoubleStorage: 8, HalfStorage: 2 };

/** A storage reference from a persistent id: ('storage', type, key, location, numel). */
class StorageReference {
  constructor(
    readonly type: string,
    readonly key: string,
    readonly numel: number,
  ) {}
}

/** A tensor rebuilt from a storage, with values converted to float32. */
class RebuiltTensor {
  constructor(
    readonly shape: number[],
    readonly data: Float32Array,
  ) {}
}

/**
 * Returns the tensors of a `torch.save`d state dict (file bytes), keys with any `module.` prefix removed,
 * values as float32 in PyTorch's shapes. The file must hold a dict of tensors; anything else is an error.
 */
export function parseTorchStateDict(bytes: Uint8Array, source = 'the file'): StateDict {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b || bytes[2] !== 0x03 || bytes[3] !== 0x04) {
    const legacy = bytes[0] === 0x80 ? ' It looks like the legacy torch.save format (PyTorch < 1.6): load and re-save it with a recent PyTorch.' : '';
    throw new Error(`${source} is not a PyTorch zip checkpoint: it does not start with the zip signature "PK\\x03\\x04".${legacy}`);
  }

  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new Error(`${source} is not a readable zip archive (truncated or corrupt): ${(error as Error).message}`);
  }

  const pickleName = Object.keys(files).find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickleName === undefined) {
    throw new Error(`${source} has no <folder>/data.pkl entry; it is not a torch.save archive.`);
  }
  const folder = pickleName.slice(0, -'data.pkl'.length);
  const byteOrder = files[`${folder}byteorder`];
  if (byteOrder !== undefined && new TextDecoder().decode(byteOrder).trim() !== 'little') {
    throw new Error(`${source} stores big-endian tensors; re-save it on a little-endian machine.`);
  }

  const readStorage = (reference: StorageReference): Uint8Array => {
    const data = files[`${folder}data/${reference.key}`];
    if (data === undefined) {
      throw new Error(`${source}: storage ${folder}data/${reference.key} is missing from the archive.`);
    }
    const expectedBytes = reference.numel * storageElementBytes[reference.type];
    if (data.length < expectedBytes) {
      throw new Error(`${source}: storage ${reference.key} has ${data.length} bytes, expected ${expectedBytes}.`);
    }
    return data;
  };

  const root = readPickle(files[pickleName], {
    allowedGlobals,
    persistentLoad: parseStorageReference,
    call: (callable, args) => callAllowed(callable, args, readStorage),
  });

  if (!(root instanceof PickleDict)) {
    throw new Error(`${source} does not contain a state dict (a dict of tensors); save model.state_dict().`);
  }
  const stateDict: StateDict = new Map();
  for (const [key, value] of root.entries) {
    if (typeof key !== 'string' || !(value instanceof RebuiltTensor)) {
      throw new Error(`${source}: state dict entry ${String(key)} is not a tensor.`);
    }
    stateDict.set(key.startsWith('module.') ? key.slice('module.'.length) : key, { shape: value.shape, data: value.data });
  }
  return stateDict;
}

/** Reads a `torch.save`d state dict from `path`; see {@link parseTorchStateDict}. */
export async function readTorchStateDict(path: string): Promise<StateDict> {
  return parseTorchStateDict(await readFile(path), path);
}

function parseStorageReference(pid: unknown): StorageReference {
  if (!(pid instanceof PickleTuple) || pid.items.length !== 5 || pid.items[0] !== 'storage') {
    throw new Error('Pickle persistent id is not a torch storage reference ("storage", type, key, location, numel).');
  }
  const [, type, key, , numel] = pid.items;
  if (!(type instanceof PickleGlobal) || storageElementBytes[type.name] === undefined) {
    throw new Error('Torch storage reference has an unsupported storage type.');
  }
  if (typeof key !== 'string' || !/^\w+$/.test(key) || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new Error(`Torch storage reference has an invalid key ${String(key)} or element count ${String(numel)}.`);
  }
  return new StorageReference(type.name, key, numel);
}

function callAllowed(callable: PickleGlobal, args: unknown[], readStorage: (reference: StorageReference) => Uint8Array): unknown {
  switch (callable.qualifiedName) {
    case 'collections.OrderedDict':
      if (args.length !== 0) {
        throw new Error('Pickle REDUCE: collections.OrderedDict is only accepted with no arguments.');
      }
      return new PickleDict();
    case 'torch._utils._rebuild_tensor_v2':
      return rebuildTensor(args, readStorage);
    case 'torch._utils._rebuild_parameter':
      if (!(args[0] instanceof RebuiltTensor)) {
        throw new Error('Pickle REDUCE: torch._utils._rebuild_parameter needs a tensor as first argument.');
      }
      return args[0];
    default:
      throw new Error(`Pickle REDUCE of ${callable.qualifiedName} is not allowed: it is not a callable a state dict uses.`);
  }
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: unknown[], readStorage: (reference: StorageReference) => Uint8Array): RebuiltTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageReference) || typeof offset !== 'number' || !(size instanceof PickleTuple) || !(stride instanceof PickleTuple)) {
    throw new Error('Pickle REDUCE: torch._utils._rebuild_tensor_v2 has invalid arguments.');
  }
  const shape = size.items.map((value) => requireIndex(value, 'size'));
  const strides = stride.items.map((value) => requireIndex(value, 'stride'));
  if (shape.length !== strides.length) {
    throw new Error(`Tensor size [${shape.join(', ')}] and stride [${strides.join(', ')}] differ in rank.`);
  }

  // The largest element index the view reads must lie inside the storage.
  const count = shape.reduce((product, dimension) => product * dimension, 1);
  const lastIndex = count === 0 ? offset : offset + shape.reduce((sum, dimension, axis) => sum + (dimension - 1) * strides[axis], 0);
  if (count > 0 && lastIndex >= storage.numel) {
    throw new Error(`Tensor of size [${shape.join(', ')}] at offset ${offset} reads past its storage of ${storage.numel} elements.`);
  }

  const bytes = readStorage(storage);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const readElement = elementReader(storage.type, view);
  const data = new Float32Array(count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let storageIndex = offset;
    for (let axis = 0; axis < shape.length; axis++) {
      storageIndex += index[axis] * strides[axis];
    }
    data[i] = readElement(storageIndex);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) {
        break;
      }
      index[axis] = 0;
    }
  }
  return new RebuiltTensor(shape, data);
}

function requireIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Tensor ${what} entry ${String(value)} is invalid: expected a non-negative integer.`);
  }
  return value;
}

function elementReader(type: string, view: DataView): (index: number) => number {
  switch (type) {
    case 'FloatStorage':
      return (index) => view.getFloat32(index * 4, true);
    case 'DoubleStorage':
      return (index) => view.getFloat64(index * 8, true);
    default:
      return (index) => halfToFloat(view.getUint16(index * 2, true));
  }
}

/** Decodes an IEEE 754 binary16 value. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) {
    return sign * 2 ** -14 * (fraction / 1024);
  }
  if (exponent === 0x1f) {
    return fraction === 0 ? sign * Infinity : NaN;
  }
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
