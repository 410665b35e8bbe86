/**
 * `patches:DIR`: a natural-image patch set cut from a folder of photographs. Each patch is a square of
 * side size · scale at a uniformly random position of one photograph. It is converted to grayscale (by
 * default) and downsampled by area averaging to size x size. Successive patches of a photograph cycle
 * through the scales. Every patch records its photograph in `groups`, so that splits can keep photographs
 * apart. `patches:` or `patches:bundled`
 * uses the photographs shipped with this package.
 *
 * Positions come from `RandomStream.fromSeed(seed, 'patches', FILE)` per photograph (FILE relative to
 * DIR), so adding a photograph does not move the patches of the others.
 */

import os from 'node:os';
import path from 'node:path';
import { RandomStream, createImageBatch, createLogger, decodeImage, startProgress, type DecodedImage } from '@gahb/core';
import { bundledPhotosDir } from '../bundled-photos';
import type { DataSource, PrepareOptions, PreparedDataset } from '../data-source';
import { listImageFiles } from '../image-files';
import { cropPixels, resizeArea, toGrayscale, type Pixels } from '../preprocess';
import { fingerprintImageFolder } from './fingerprint';
import { resolveCommonOptions } from './resolve-options';

const logger = createLogger('datasets');

/** Default ratios of the cut square's side to the patch size. */
export const DEFAULT_PATCH_SCALES = [1, 2, 4];
/** Default number of patches per photograph. */
export const DEFAULT_PATCHES_PER_IMAGE = 512;

/** Patches for each of `photoCount` photographs: `patchesPerImage` each, or `count` spread as evenly as possible. */
function patchCounts(photoCount: number, options: PrepareOptions): number[] {
  if (options.count !== undefined && options.patchesPerImage !== undefined) {
    throw new Error(
      `count ${options.count} and patchesPerImage ${options.patchesPerImage} were both given: give only one (count is the total number of patches).`,
    );
  }
  if (options.count !== undefined) {
    const base = Math.floor(options.count / photoCount);
    const extra = options.count % photoCount;
    return Array.from({ length: photoCount }, (_, p) => base + (p < extra ? 1 : 0));
  }
  const perImage = options.patchesPerImage ?? DEFAULT_PATCHES_PER_IMAGE;
  if (!Number.isSafeInteger(perImage) || perImage <= 0) {
    throw new Error(`patchesPerImage ${perImage} is invalid: use a positive integer.`);
  }
  return new Array<number>(photoCount).fill(perImage);
}

function checkScales(scales: number[]): void {
  if (scales.length === 0) {
    throw new Error('patchScales is empty: give at least one scale, e.g. 1,2,4.');
  }
  for (const scale of scales) {
    if (!Number.isFinite(scale) || scale < 1) {
      throw new Error(`Patch scale ${scale} is invalid: use values >= 1 (a scale below 1 would upsample).`);
    }
  }
}

/** A decoded photograph or the error that decoding raised. */
type DecodeOutcome = { ok: true; image: DecodedImage } | { ok: false; error: unknown };

/** Turns a decode into a promise that never rejects, so a failure waiting in the lookahead is never unhandled. */
function settle(decoding: Promise<DecodedImage>): Promise<DecodeOutcome> {
  return decoding.then(
    (image): DecodeOutcome => ({ ok: true, image }),
    (error: unknown): DecodeOutcome => ({ ok: false, error }),
  );
}

export const patchesSource: DataSource = {
  scheme: 'patches',
  description: 'patches:DIR — random square patches at several scales from the photographs in DIR (empty or "bundled": the bundled photographs)',
  async load(location: string, options: PrepareOptions): Promise<PreparedDataset> {
    const root = location === '' || location === 'bundled' ? bundledPhotosDir() : path.resolve(location);
    const common = resolveCommonOptions(options);
    const scales = options.patchScales ?? DEFAULT_PATCH_SCALES;
    checkScales(scales);
    const files = await listImageFiles(root);
    const counts = patchCounts(files.length, options);
    const total = counts.reduce((sum, count) => sum + count, 0);

    const { size, channels } = common;
    const patchSize = size * size * channels;
    const images = createImageBatch(total, size, size, channels);
    const groups = new Int32Array(total);
    const usedScales: Record<string, number[]> = {};
    const skippedPhotos: string[] = [];

    // Photographs are decoded up to `lookahead` ahead of the one being cut, so that decoding overlaps cutting
    // while only a few decoded photographs are held in memory.
    const decodeChannels = channels === 1 && common.grayscale === 'mean' ? 1 : undefined;
    const lookahead = options.concurrency ?? os.availableParallelism();
    const pending = new Map<number, Promise<DecodeOutcome>>();
    const startDecode = (p: number): void => {
      if (p < files.length && !pending.has(p)) {
        pending.set(p, settle(decodeImage(path.join(root, files[p]), { channels: decodeChannels })));
      }
    };

    const progress = startProgress({ label: `Cutting patches from ${path.basename(root)}`, total: files.length, unit: 'photos', logger });
    let written = 0;
    for (let p = 0; p < files.length; p++) {
      for (let ahead = p; ahead < p + lookahead; ahead++) {
        startDecode(ahead);
      }
      const outcome = await (pending.get(p) as Promise<DecodeOutcome>);
      pending.delete(p);

      const file = files[p];
      const name = `Photograph "${path.join(root, file)}"`;
      let photo: Pixels;
      let validScales: number[];
      try {
        if (!outcome.ok) {
          throw outcome.error;
        }
        const decoded = outcome.image;
        if (channels === 3 && decoded.channels === 1) {
          throw new Error(`${name} is a grayscale image but 3 channels were requested: use 1 channel or remove the file.`);
        }
        photo = channels === 1 ? toGrayscale(decoded, common.grayscale) : decoded;
        const shortSide = Math.min(photo.height, photo.width);
        validScales = scales.filter((scale) => Math.round(size * scale) <= shortSide);
        if (validScales.length === 0) {
          throw new Error(
            `${name} (${photo.width}x${photo.height} pixels) is smaller than the smallest patch (${Math.round(size * Math.min(...scales))} pixels): ` +
              'use a smaller size or scale, or remove the photograph.',
          );
        }
      } catch (error) {
        if (!common.skipBadFiles) {
          throw error;
        }
        logger.warn({ file, error: (error as Error).message }, `Skipped ${name}.`);
        skippedPhotos.push(file);
        progress.tick();
        continue;
      }
      usedScales[file] = validScales;

      const stream = RandomStream.fromSeed(common.seed, 'patches', file);
      for (let k = 0; k < counts[p]; k++) {
        const side = Math.round(size * validScales[k % validScales.length]);
        const top = stream.integer(photo.height - side + 1);
        const left = stream.integer(photo.width - side + 1);
        const patch = resizeArea(cropPixels(photo, { top, left, height: side, width: side }, name), size, size);
        images.data.set(patch.data, written * patchSize);
        groups[written] = p;
        written++;
      }
      progress.tick();
    }
    progress.done({ patches: written });

    if (written === 0) {
      throw new Error(`No patches could be cut from "${root}": every photograph was skipped; see the warnings above.`);
    }
    // Skipped photographs leave unused rows at the end of the batch.
    let patches = images;
    if (written < total) {
      patches = createImageBatch(written, size, size, channels);
      patches.data.set(images.data.subarray(0, written * patchSize));
    }
    return {
      images: patches,
      source: location === '' || location === 'bundled' ? 'patches:bundled' : `patches:${root}`,
      groups: groups.slice(0, written),
      groupNames: files,
      meta: {
        size,
        channels,
        grayscale: channels === 1 ? common.grayscale : null,
        resize: 'area-average',
        patchScales: scales,
        patchCounts: Object.fromEntries(files.map((file, p) => [file, skippedPhotos.includes(file) ? 0 : counts[p]])),
        scalesUsed: usedScales,
        skippedFiles: skippedPhotos,
        seed: common.seed,
        photos: files,
      },
    };
  },
  fingerprint: (location) =>
    fingerprintImageFolder(location === '' || location === 'bundled' ? bundledPhotosDir() : path.resolve(location)),
};
