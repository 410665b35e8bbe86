/**
 * The safetensors file layout (Hugging Face safetensors format): an 8-byte little-endian header length N,
 * N bytes of JSON mapping each tensor name to { dtype, shape, data_offsets: [begin, end] } (byte offsets
 * into the data section that follows, which they cover without holes) plus an optional string map
 * "__metadata__", then the raw little-endian tensor data. Python reads these files with
 * `safetensors.numpy.load_file` or `safetensors.torch.load_file`.
 */

/** A float32 tensor by name. */
export type TensorMap = Map<string, { shape: number[]; data: Float32Array }>;

/** Bytes per element of the dtypes this reader accepts. */
const dtypeBytes: Record<string, number> = { F32: 4, F64: 8, F16: 2 };

/** Returns the safetensors bytes of `tensors` (stored as F32, in map order) with string `metadata`. */
export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const size = tensor.shape.reduce((product, dimension) => product * dimension, 1);
    if (size !== tensor.data.length) {
      throw new Error(`encodeSafetensors: tensor ${name} has ${tensor.data.length} values but shape [${tensor.shape.join(', ')}].`);
    }
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }

  // Pad the JSON with spaces so the data section starts 8-byte aligned.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);

  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    for (let i = 0; i < tensor.data.length; i++) {
      view.setFloat32(position + 4 * i, tensor.data[i], true);
    }
    position += 4 * tensor.data.length;
  }
  return bytes;
}

/**
 * Returns the tensors (converted to float32) and metadata of safetensors `bytes`. Offsets outside the
 * data section, overlapping ranges, holes, size mismatches and dtypes other than F32/F64/F16 are errors
 * naming `source`.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): { tensors: TensorMap; metadata: Record<string, string> } {
  if (bytes.length < 8) {
    throw new Error(`${source} is truncated: ${bytes.length} bytes, fewer than the 8-byte header length.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw new Error(`${source} is truncated: header of ${headerLength} bytes but only ${bytes.length - 8} follow.`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${source} has an invalid JSON header: ${(error as Error).message}`);
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: TensorMap = new Map();
  const ranges: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const elementBytes = dtypeBytes[dtype];
    if (elementBytes === undefined) {
      throw new Error(`${source}: tensor ${name} has dtype ${dtype}; supported are ${Object.keys(dtypeBytes).join(', ')}.`);
    }
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const [begin, end] = offsets;
    if (!(begin >= 0 && end <= dataLength && end - begin === size * elementBytes)) {
      throw new Error(`${source}: tensor ${name} has data_offsets [${begin}, ${end}] that do not fit shape [${shape.join(', ')}] ${dtype} within ${dataLength} data bytes.`);
    }
    ranges.push([begin, end, name]);

    const data = new Float32Array(size);
    const base = dataStart + begin;
    for (let i = 0; i < size; i++) {
      const at = base + i * elementBytes;
      data[i] = dtype === 'F32' ? view.getFloat32(at, true) : dtype === 'F64' ? view.getFloat64(at, true) : halfToFloat(view.getUint16(at, true));
    }
    tensors.set(name, { shape: [...shape], data });
  }

  ranges.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== covered) {
      throw new Error(`${source}: tensor ${name} starts at byte ${begin} but the previous tensor ends at ${covered} (overlap or hole).`);
    }
    covered = end;
  }
  if (covered !== dataLength) {
    throw new Error(`${source}: tensors cover ${covered} of ${dataLength} data bytes.`);
  }
  const metadata = (header['__metadata__'] ?? {}) as Record<string, string>;
  return { tensors, metadata };
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
