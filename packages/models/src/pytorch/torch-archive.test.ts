import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { unzipSync, zipSync } from 'fflate';

import { parseTorchStateDict } from './torch-archive';

const unetFile = path.join(__dirname, '../../test/fixtures/pytorch-reference/unet-k8-b3-16px/model.pt');
const encoder = new TextEncoder();

/** Concatenates pickle pieces given as byte arrays or latin-1 strings. */
function pickleBytes(...pieces: Array<string | number[]>): Uint8Array {
  const bytes: number[] = [];
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      for (const character of piece) {
        bytes.push(character.charCodeAt(0));
      }
    } else {
      bytes.push(...piece);
    }
  }
  return Uint8Array.from(bytes);
}

/** A BINUNICODE opcode with its little-endian length. */
function binunicode(text: string): number[] {
  const utf8 = encoder.encode(text);
  return [0x58, utf8.length & 0xff, (utf8.length >> 8) & 0xff, 0, 0, ...utf8];
}

/** Returns a torch.save-style zip archive with `pickle` as archive/data.pkl and the given storages. */
function archive(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': pickle };
  for (const [key, data] of Object.entries(storages)) {
    files[`archive/data/${key}`] = data;
  }
  return zipSync(files, { level: 0 });
}

/** A pickle of OrderedDict({name: tensor}) with a float32 tensor of `size` and `stride` on storage "0". */
function tensorDictPickle(name: string, numel: number, size: number[], stride: number[], offset = 0): Uint8Array {
  const tuple = (values: number[]) => [0x28, ...values.flatMap((value) => [0x4b, value]), 0x74];
  return pickleBytes(
    [0x80, 0x02],
    'ccollections\nOrderedDict\n', [0x29, 0x52],
    [0x28], binunicode(name),
    'ctorch._utils\n_rebuild_tensor_v2\n',
    [0x28],
    [0x28], binunicode('storage'), 'ctorch\nFloatStorage\n', binunicode('0'), binunicode('cpu'), [0x4b, numel], [0x74], [0x51],
    [0x4b, offset], tuple(size), tuple(stride), [0x89],
    'ccollections\nOrderedDict\n', [0x29, 0x52],
    [0x74], [0x52],
    [0x75], [0x2e],
  );
}

describe('parseTorchStateDict', () => {
  test('transposed view is read through its strides', () => {
    // Storage 0..5 viewed as the transpose of a 2x3 matrix: size [3, 2], stride [1, 3].
    const storage = new Uint8Array(Float32Array.from([0, 1, 2, 3, 4, 5]).buffer);
    const stateDict = parseTorchStateDict(archive(tensorDictPickle('w', 6, [3, 2], [1, 3]), { 0: storage }));
    expect(stateDict.get('w')?.shape).toEqual([3, 2]);
    expect(Array.from(stateDict.get('w')?.data ?? [])).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test('storage offset is applied', () => {
    const storage = new Uint8Array(Float32Array.from([9, 9, 7, 8]).buffer);
    const stateDict = parseTorchStateDict(archive(tensorDictPickle('b', 4, [2], [1], 2), { 0: storage }));
    expect(Array.from(stateDict.get('b')?.data ?? [])).toEqual([7, 8]);
  });

  test('view past the storage is rejected', () => {
    const storage = new Uint8Array(16);
    expect(() => parseTorchStateDict(archive(tensorDictPickle('w', 4, [2, 3], [3, 1]), { 0: storage }))).toThrow(
      /reads past its storage of 4 elements/,
    );
  });

  test('GLOBAL os.system is rejected', () => {
    const pickle = pickleBytes([0x80, 0x02], 'cos\nsystem\n', binunicode('echo hacked'), [0x85, 0x52, 0x2e]);
    expect(() => parseTorchStateDict(archive(pickle))).toThrow(/global os\.system is not allowed/);
  });

  test('STACK_GLOBAL builtins.eval is rejected', () => {
    const pickle = pickleBytes([0x80, 0x04], [0x8c, 8], 'builtins', [0x8c, 4], 'eval', [0x93, 0x2e]);
    expect(() => parseTorchStateDict(archive(pickle))).toThrow(/global builtins\.eval is not allowed/);
  });

  test('REDUCE of a storage type is rejected', () => {
    // torch.FloatStorage is on the allow-list as a storage type, but calling it is not.
    const pickle = pickleBytes([0x80, 0x02], 'ctorch\nFloatStorage\n', [0x29, 0x52, 0x2e]);
    expect(() => parseTorchStateDict(archive(pickle))).toThrow(/REDUCE of torch\.FloatStorage is not allowed/);
  });

  test('REDUCE of a string is rejected', () => {
    const pickle = pickleBytes([0x80, 0x02], binunicode('print'), [0x29, 0x52, 0x2e]);
    expect(() => parseTorchStateDict(archive(pickle))).toThrow(/REDUCE of a value that is not an allowed global/);
  });

  test('unsupported opcode is named', () => {
    // 0x69 INST would build an arbitrary class instance.
    const pickle = pickleBytes([0x80, 0x02], 'ios\nsystem\n', [0x2e]);
    expect(() => parseTorchStateDict(archive(pickle))).toThrow(/opcode 0x69 \(INST\) is not supported/);
  });

  test('truncated pickle is rejected', () => {
    const whole = unzipSync(new Uint8Array(readFileSync(unetFile)));
    const pickleName = Object.keys(whole).find((name) => name.endsWith('data.pkl')) as string;
    const truncated = whole[pickleName].subarray(0, 500);
    const storages: Record<string, Uint8Array> = {};
    for (const [name, data] of Object.entries(whole)) {
      const match = /\/data\/(\d+)$/.exec(name);
      if (match !== null) {
        storages[match[1]] = data;
      }
    }
    expect(() => parseTorchStateDict(archive(truncated, storages))).toThrow(/Pickle stream invalid at byte \d+: truncated/);
  });

  test('truncated archive is rejected', () => {
    const bytes = new Uint8Array(readFileSync(unetFile));
    expect(() => parseTorchStateDict(bytes.subarray(0, bytes.length - 1000), 'model.pt')).toThrow(
      /model\.pt is not a readable zip archive \(truncated or corrupt\)/,
    );
  });

  test('wrong magic is rejected', () => {
    expect(() => parseTorchStateDict(pickleBytes('GIF89a....'), 'model.pt')).toThrow(/does not start with the zip signature/);
  });

  test('legacy format is explained', () => {
    expect(() => parseTorchStateDict(pickleBytes([0x80, 0x02, 0x8a, 0x0a]), 'old.pt')).toThrow(/legacy torch\.save format/);
  });

  test('missing storage file is rejected', () => {
    expect(() => parseTorchStateDict(archive(tensorDictPickle('w', 6, [6], [1])))).toThrow(/storage archive\/data\/0 is missing/);
  });

  test('object that is not a dict is rejected', () => {
    const pickle = pickleBytes([0x80, 0x02], [0x4b, 7, 0x2e]);
    expect(() => parseTorchStateDict(archive(pickle))).toThrow(/does not contain a state dict/);
  });
});
