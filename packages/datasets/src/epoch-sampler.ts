/**
 * Epochs of a fixed number of samples drawn from a small training set. The study (Kadkhodaie et al.,
 * ICLR 2024, training code `repeat_images`) tiles its N training images ⌊250 000 / N⌋ times per epoch and
 * shuffles every epoch. This sampler gives the same epochs without copying images: sample j of an epoch is
 * image j mod N, and the samples are visited in a seeded random order that differs per epoch.
 */

import { RandomStream } from '@gahb/core';

/** Number of samples per epoch the study aims at for 80x80 images. */
export const STUDY_EPOCH_TARGET = 250_000;

/**
 * Returns the epoch size the study uses for `imageCount` training images: imageCount · ⌊target / imageCount⌋,
 * and at least imageCount (one copy of each image) when imageCount exceeds the target.
 */
export function repeatedEpochSize(imageCount: number, target = STUDY_EPOCH_TARGET): number {
  if (!Number.isSafeInteger(imageCount) || imageCount <= 0) {
    throw new Error(`repeatedEpochSize: image count ${imageCount} is invalid: use an integer > 0.`);
  }
  if (!Number.isSafeInteger(target) || target <= 0) {
    throw new Error(`repeatedEpochSize: target ${target} is invalid: use an integer > 0.`);
  }
  return imageCount * Math.max(1, Math.floor(target / imageCount));
}

/** Options of {@link EpochSampler}. */
export interface EpochSamplerOptions {
  /** Number of training images N; batches hold indices in [0, N). */
  imageCount: number;
  /** Images per batch; the last batch of an epoch may be smaller. */
  batchSize: number;
  /** Seed of the per-epoch order. */
  seed: number;
  /** Samples per epoch; default {@link repeatedEpochSize}(imageCount), the study's ⌊250 000 / N⌋ copies. */
  samplesPerEpoch?: number;
  /** Whether to shuffle each epoch (default true); false visits samples 0, 1, 2, … in order. */
  shuffle?: boolean;
}

/** Serialisable position of an {@link EpochSampler}, stored in checkpoints. */
export interface EpochSamplerState {
  imageCount: number;
  batchSize: number;
  seed: number;
  samplesPerEpoch: number;
  shuffle: boolean;
  /** Epoch of the next batch, from 0. */
  epoch: number;
  /** Offset of the next batch's first sample within the epoch. */
  position: number;
  /** Batches returned so far over all epochs (the training step of the next batch). */
  step: number;
}

/** One batch of sample indices. */
export interface SampledBatch {
  /** Epoch the batch belongs to, from 0. */
  epoch: number;
  /** Global batch counter, from 0; use it as the training step (e.g. for {@link makeNoisyBatch}). */
  step: number;
  /** Batch number within the epoch, from 0. */
  batchInEpoch: number;
  /** Training-image indices in [0, imageCount). */
  indices: Int32Array;
}

/** Returns batches of training-image indices, epoch after epoch; see the file header for the scheme. */
export class EpochSampler {
  private readonly imageCount: number;
  private readonly batchSize: number;
  private readonly seed: number;
  private readonly samplesPerEpoch: number;
  private readonly shuffle: boolean;
  private epoch = 0;
  private position = 0;
  private step = 0;
  private order: Int32Array | null = null;
  private orderEpoch = -1;

  constructor(options: EpochSamplerOptions) {
    const { imageCount, batchSize, seed } = options;
    if (!Number.isSafeInteger(imageCount) || imageCount <= 0) {
      throw new Error(`EpochSampler: imageCount ${imageCount} is invalid: use an integer > 0.`);
    }
    if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
      throw new Error(`EpochSampler: batchSize ${batchSize} is invalid: use an integer > 0.`);
    }
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`EpochSampler: seed ${seed} is invalid: use an integer >= 0.`);
    }
    const samplesPerEpoch = options.samplesPerEpoch ?? repeatedEpochSize(imageCount);
    if (!Number.isSafeInteger(samplesPerEpoch) || samplesPerEpoch <= 0) {
      throw new Error(`EpochSampler: samplesPerEpoch ${samplesPerEpoch} is invalid: use an integer > 0.`);
    }
    // The order of one epoch is held as an Int32Array of samplesPerEpoch entries.
    if (samplesPerEpoch > 2 ** 28) {
      throw new Error(`EpochSampler: samplesPerEpoch ${samplesPerEpoch} is too large: use at most 2^28.`);
    }
    this.imageCount = imageCount;
    this.batchSize = batchSize;
    this.seed = seed;
    this.samplesPerEpoch = samplesPerEpoch;
    this.shuffle = options.shuffle ?? true;
  }

  /** Restores a sampler saved with {@link EpochSampler.getState}; it continues with the same next batch. */
  static fromState(state: EpochSamplerState): EpochSampler {
    const sampler = new EpochSampler(state);
    if (!Number.isSafeInteger(state.epoch) || state.epoch < 0) {
      throw new Error(`EpochSampler state: epoch ${state.epoch} is invalid: use an integer >= 0.`);
    }
    if (!Number.isSafeInteger(state.position) || state.position < 0 || state.position >= state.samplesPerEpoch) {
      throw new Error(`EpochSampler state: position ${state.position} is invalid: use an integer in [0, ${state.samplesPerEpoch}).`);
    }
    if (!Number.isSafeInteger(state.step) || state.step < 0) {
      throw new Error(`EpochSampler state: step ${state.step} is invalid: use an integer >= 0.`);
    }
    sampler.epoch = state.epoch;
    sampler.position = state.position;
    sampler.step = state.step;
    return sampler;
  }

  /** Returns a copy of the configuration and position. */
  getState(): EpochSamplerState {
    return {
      imageCount: this.imageCount,
      batchSize: this.batchSize,
      seed: this.seed,
      samplesPerEpoch: this.samplesPerEpoch,
      shuffle: this.shuffle,
      epoch: this.epoch,
      position: this.position,
      step: this.step,
    };
  }

  /** Samples per epoch. */
  get epochSize(): number {
    return this.samplesPerEpoch;
  }

  /** Batches per epoch, ⌈samplesPerEpoch / batchSize⌉ (the last one may be smaller). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.samplesPerEpoch / this.batchSize);
  }

  /** Epoch of the next batch, from 0. */
  get currentEpoch(): number {
    return this.epoch;
  }

  /** Returns the next batch and advances; after the last batch of an epoch the next epoch starts. */
  nextBatch(): SampledBatch {
    const order = this.epochOrder(this.epoch);
    const start = this.position;
    const end = Math.min(start + this.batchSize, this.samplesPerEpoch);

    // Sample j of the epoch is training image j mod N.
    const indices = new Int32Array(end - start);
    for (let k = 0; k < indices.length; k++) {
      const sample = order === null ? start + k : order[start + k];
      indices[k] = sample % this.imageCount;
    }

    const batch: SampledBatch = {
      epoch: this.epoch,
      step: this.step,
      batchInEpoch: Math.floor(start / this.batchSize),
      indices,
    };

    this.step++;
    if (end === this.samplesPerEpoch) {
      this.epoch++;
      this.position = 0;
    } else {
      this.position = end;
    }
    return batch;
  }

  /** Yields the remaining batches of the current epoch. */
  *epochBatches(): Generator<SampledBatch> {
    const epoch = this.epoch;
    while (this.epoch === epoch) {
      yield this.nextBatch();
    }
  }

  /** Sample order of `epoch` from the stream `fromSeed(seed, 'epoch-order', epoch)`, or null without shuffling. */
  private epochOrder(epoch: number): Int32Array | null {
    if (!this.shuffle) {
      return null;
    }
    if (this.orderEpoch !== epoch || this.order === null) {
      this.order = RandomStream.fromSeed(this.seed, 'epoch-order', epoch).permutation(this.samplesPerEpoch);
      this.orderEpoch = epoch;
    }
    return this.order;
  }
}
