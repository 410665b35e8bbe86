import { decodeSafetensors, encodeSafetensors, type TensorMap } from './safetensors';

describe('safetensors', () => {
  const tensors: TensorMap = new Map([
    ['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
    ['b', { shape: [1], data: Float32Array.from([0.125]) }],
  ]);

  test('round-trip keeps names, shapes and values', () => {
    const { tensors: decoded, metadata } = decodeSafetensors(encodeSafetensors(tensors, { note: 'x' }));
    expect([...decoded.keys()]).toEqual(['a.weight', 'b']);
    expect(decoded.get('a.weight')?.shape).toEqual([2, 3]);
    expect(Array.from(decoded.get('a.weight')?.data ?? [])).toEqual([1, 2, 3, 4, 5, -6.5]);
    expect(metadata).toEqual({ note: 'x' });
  });

  test('layout has length prefix, JSON header and aligned data', () => {
    const bytes = encodeSafetensors(tensors);
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['b']).toEqual({ dtype: 'F32', shape: [1], data_offsets: [24, 28] });
    expect((8 + headerLength) % 8).toBe(0);
    expect(view.getFloat32(8 + headerLength + 20, true)).toBe(-6.5);
    expect(bytes.length).toBe(8 + headerLength + 28);
  });

  test('F64 and F16 tensors are read', () => {
    // Hand-built file: x F64 [2] = (1.5, −2), y F16 [1] = 0x3c00 (1.0).
    const header = new TextEncoder().encode(JSON.stringify({
      x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      y: { dtype: 'F16', shape: [1], data_offsets: [16, 18] },
    }));
    const bytes = new Uint8Array(8 + header.length + 18);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    view.setFloat64(8 + header.length, 1.5, true);
    view.setFloat64(8 + header.length + 8, -2, true);
    view.setUint16(8 + header.length + 16, 0x3c00, true);
    const { tensors: decoded } = decodeSafetensors(bytes);
    expect(Array.from(decoded.get('x')?.data ?? [])).toEqual([1.5, -2]);
    expect(Array.from(decoded.get('y')?.data ?? [])).toEqual([1]);
  });

  test('truncated file is rejected', () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors')).toThrow(
      /w\.safetensors: tensor b has data_offsets \[24, 28\] that do not fit/,
    );
  });

  test('header longer than file is rejected', () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, 20))).toThrow(/truncated: header of \d+ bytes/);
  });
});
