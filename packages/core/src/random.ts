/**
 * Seeded random numbers for the whole project: the Philox4x32-10 counter-based generator
 * (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
 *
 * A stream is a 64-bit key and a 128-bit counter. Streams for named purposes and per-sample indices are
 * derived from a seed by hashing the path (seed, "noise", i) into the key, so sample i of a request is the
 * same whatever the batch size or the order in which samples are drawn.
 */

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;
const TWO_POW_32 = 4294967296;

/** Serialisable state of a {@link RandomStream}, stored in checkpoints so that a resumed run continues the same stream. */
export interface RandomState {
  /** Philox key, two unsigned 32-bit words. */
  key: [number, number];
  /** Counter of the next block, four unsigned 32-bit words (least significant first). */
  counter: [number, number, number, number];
  /** Index of the next unused word of the current block (4 when the block is used up). */
  index: number;
  /** Current block of four outputs. */
  block: [number, number, number, number];
  /** Second normal of the last Box-Muller pair, or null. */
  spareNormal: number | null;
}

/** Element of a stream path: a purpose name or an index. */
export type StreamPathElement = string | number;

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulHigh32(a: number, b: number): number {
  const aLow = a & 0xffff;
  const aHigh = a >>> 16;
  const bLow = b & 0xffff;
  const bHigh = b >>> 16;
  const lowLow = aLow * bLow;
  const highLow = aHigh * bLow;
  const lowHigh = aLow * bHigh;
  const highHigh = aHigh * bHigh;
  const middle = (lowLow >>> 16) + (highLow & 0xffff) + (lowHigh & 0xffff);
  return (highHigh + (highLow >>> 16) + (lowHigh >>> 16) + Math.floor(middle / 65536)) >>> 0;
}

/**
 * Applies the ten Philox4x32 rounds to `counter` under `key` and writes the four output words to `out`.
 * Exported for the known-answer tests of the Random123 reference.
 */
export function philox4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  out: number[] | Uint32Array = new Uint32Array(4),
): number[] | Uint32Array {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;

  for (let round = 0; round < 10; round++) {
    const high0 = mulHigh32(PHILOX_M0, c0);
    const low0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const high1 = mulHigh32(PHILOX_M1, c2);
    const low1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (high1 ^ c1 ^ k0) >>> 0;
    c1 = low1;
    c2 = (high0 ^ c3 ^ k1) >>> 0;
    c3 = low0;
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }

  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`Random seed ${seed} is invalid: use an integer from 0 to ${Number.MAX_SAFE_INTEGER}.`);
  }
}

/** Returns whether `value` is an array of `length` unsigned 32-bit integers. */
function isUint32Words(value: unknown, length: number): boolean {
  return Array.isArray(value) && value.length === length && value.every((word) => Number.isInteger(word) && word >= 0 && word < TWO_POW_32);
}

/**
 * Checks a state read from a checkpoint, so that a damaged file is an error instead of a stream that silently
 * differs from the saved one.
 */
function checkState(state: RandomState): void {
  const candidate = (typeof state === 'object' && state !== null ? state : {}) as Partial<Record<keyof RandomState, unknown>>;
  const problems: string[] = [];
  if (!isUint32Words(candidate.key, 2)) problems.push('key must be 2 unsigned 32-bit integers');
  if (!isUint32Words(candidate.counter, 4)) problems.push('counter must be 4 unsigned 32-bit integers');
  if (!isUint32Words(candidate.block, 4)) problems.push('block must be 4 unsigned 32-bit integers');
  if (!(Number.isInteger(candidate.index) && (candidate.index as number) >= 0 && (candidate.index as number) <= 4)) {
    problems.push(`index ${String(candidate.index)} must be an integer from 0 to 4`);
  }
  if (!(candidate.spareNormal === null || (typeof candidate.spareNormal === 'number' && Number.isFinite(candidate.spareNormal)))) {
    problems.push('spareNormal must be a finite number or null');
  }
  if (problems.length > 0) {
    throw new Error(`Random state is invalid: ${problems.join('; ')}. Restore it from the output of RandomStream.getState().`);
  }
}

/** Key of the stream at `path` below `key`: each element is hashed in by one Philox evaluation. */
function deriveKey(key: [number, number], path: readonly StreamPathElement[]): [number, number] {
  let derived: [number, number] = [key[0], key[1]];
  const block = new Uint32Array(4);
  for (const element of path) {
    let words: [number, number, number, number];
    if (typeof element === 'string') {
      words = [hashString(element), element.length >>> 0, 0x53545249, 1];
    } else {
      if (!Number.isSafeInteger(element) || element < 0) {
        throw new Error(`Random stream index ${element} is invalid: use an integer from 0 to ${Number.MAX_SAFE_INTEGER}.`);
      }
      words = [element >>> 0, Math.floor(element / TWO_POW_32) >>> 0, 0x494e4458, 2];
    }
    philox4x32(words, derived, block);
    derived = [block[0], block[1]];
  }
  return derived;
}

/**
 * A stream of random numbers with uniform, normal and integer draws. Create one with
 * {@link RandomStream.fromSeed}; derive independent streams with {@link RandomStream.child}.
 */
export class RandomStream {
  private readonly key: [number, number];
  private readonly counter: [number, number, number, number];
  private readonly block = new Uint32Array(4);
  private index = 4;
  private spareNormal: number | null = null;

  private constructor(key: [number, number], counter: [number, number, number, number] = [0, 0, 0, 0]) {
    this.key = key;
    this.counter = counter;
  }

  /**
   * Returns the stream for `seed` and an optional path of purposes and indices, for example
   * `RandomStream.fromSeed(7, 'initial-noise', i)` for sample i. Equal arguments give equal streams.
   */
  static fromSeed(seed: number, ...path: StreamPathElement[]): RandomStream {
    checkSeed(seed);
    const root: [number, number] = [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
    return new RandomStream(deriveKey(root, ['gahb', ...path]));
  }

  /** Restores a stream saved with {@link RandomStream.getState}. */
  static fromState(state: RandomState): RandomStream {
    checkState(state);
    const stream = new RandomStream([state.key[0], state.key[1]], [state.counter[0], state.counter[1], state.counter[2], state.counter[3]]);
    stream.block.set(state.block);
    stream.index = state.index;
    stream.spareNormal = state.spareNormal;
    return stream;
  }

  /** Returns an independent stream derived from this stream's key and `path`; this stream is not advanced. */
  child(...path: StreamPathElement[]): RandomStream {
    return new RandomStream(deriveKey(this.key, path));
  }

  /** Returns a copy of the state, enough to continue this stream exactly. */
  getState(): RandomState {
    return {
      key: [this.key[0], this.key[1]],
      counter: [this.counter[0], this.counter[1], this.counter[2], this.counter[3]],
      index: this.index,
      block: [this.block[0], this.block[1], this.block[2], this.block[3]],
      spareNormal: this.spareNormal,
    };
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    if (this.index === 4) {
      philox4x32(this.counter, this.key, this.block);
      this.incrementCounter();
      this.index = 0;
    }
    return this.block[this.index++];
  }

  /** Returns a uniform draw from the open interval (0, 1) with 53-bit resolution. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low + 0.5) / 9007199254740992;
  }

  /** Returns a uniform draw from (low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Returns a standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Returns an integer drawn uniformly from [0, count), without modulo bias. */
  integer(count: number): number {
    if (!Number.isSafeInteger(count) || count <= 0) {
      throw new Error(`RandomStream.integer: count ${count} is invalid: use a positive integer.`);
    }
    return Math.floor(this.uniform() * count);
  }

  /** Fills `out` with uniform draws from (low, high). */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    const width = high - low;
    for (let i = 0; i < out.length; i++) {
      out[i] = low + width * this.uniform();
    }
    return out;
  }

  /** Fills `out` with normal draws of the given mean and standard deviation. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) {
      out[i] = mean + std * this.normal();
    }
    return out;
  }

  /** Returns a uniformly random permutation of 0 … count − 1 (Fisher-Yates). */
  permutation(count: number): Int32Array {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new Error(`RandomStream.permutation: count ${count} is invalid: use a non-negative integer.`);
    }
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      order[i] = i;
    }
    for (let i = count - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private incrementCounter(): void {
    for (let word = 0; word < 4; word++) {
      this.counter[word] = (this.counter[word] + 1) >>> 0;
      if (this.counter[word] !== 0) {
        return;
      }
    }
  }
}

/**
 * Fills `out` (length count × sampleSize) with standard normals where sample i (from `firstIndex`) comes from
 * its own stream `fromSeed(seed, purpose, firstIndex + i)`: the values of a sample never depend on the batch.
 */
export function fillSampleNormals<T extends Float32Array | Float64Array>(
  out: T,
  seed: number,
  purpose: string,
  firstIndex: number,
  sampleSize: number,
): T {
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 1) {
    throw new Error(`fillSampleNormals: sample size ${sampleSize} is invalid: use a positive integer.`);
  }
  const count = out.length / sampleSize;
  if (!Number.isInteger(count)) {
    throw new Error(`fillSampleNormals: output length ${out.length} is not a multiple of the sample size ${sampleSize}.`);
  }
  for (let i = 0; i < count; i++) {
    const stream = RandomStream.fromSeed(seed, purpose, firstIndex + i);
    stream.fillNormal(out.subarray(i * sampleSize, (i + 1) * sampleSize) as T);
  }
  return out;
}
