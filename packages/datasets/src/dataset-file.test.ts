import { createHash } from 'node:crypto';
import { hashStoredValues } from './dataset-file';

describe('hashStoredValues', () => {
  test('hashing in pieces equals one SHA-256 update', () => {
    const values = new Float32Array(1001).map((_, i) => Math.sin(i));
    const bytes = new Uint8Array(values.buffer);
    const expected = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

    // 1001 float32 values are 4004 bytes: pieces of 1000 bytes end in a partial piece.
    expect(hashStoredValues(values, 1000)).toBe(expected);
    expect(hashStoredValues(values)).toBe(expected);
  });
});
