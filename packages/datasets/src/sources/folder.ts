/**
 * `folder:DIR`: every PNG, JPEG and WebP file under DIR (recursively, sorted by relative path), cropped to
 * the largest centred square by default and downsampled to size x size by area averaging.
 */

import path from 'node:path';
import { createLogger, startProgress } from '@gahb/core';
import type { DataSource, PrepareOptions, PreparedDataset } from '../data-source';
import { decodeImageFiles } from '../decode-images';
import { listImageFiles } from '../image-files';
import { fingerprintImageFolder } from './fingerprint';
import { resolveCommonOptions } from './resolve-options';

const logger = createLogger('datasets');

/** Decodes `relativeFiles` under `root` with the shared options; logs skipped files. */
export async function loadImageFiles(
  root: string,
  relativeFiles: string[],
  options: PrepareOptions,
  defaultCrop: NonNullable<PrepareOptions['crop']>,
  label: string,
): Promise<{ dataset: Omit<PreparedDataset, 'source'>; files: string[] }> {
  const common = resolveCommonOptions(options);
  const crop = options.crop ?? defaultCrop;
  const absolute = relativeFiles.map((file) => path.join(root, file));

  const progress = startProgress({ label, total: absolute.length, unit: 'images', logger });
  const decoded = await decodeImageFiles(absolute, {
    size: common.size,
    channels: common.channels,
    crop,
    grayscale: common.grayscale,
    concurrency: options.concurrency,
    skipBadFiles: common.skipBadFiles,
    onProgress: () => progress.tick(),
  });
  progress.done();

  if (decoded.skipped.length > 0) {
    logger.warn(
      { skipped: decoded.skipped.length, first: decoded.skipped.slice(0, 5) },
      `Skipped ${decoded.skipped.length} of ${absolute.length} files in "${root}" that could not be used.`,
    );
  }
  if (decoded.files.length === 0) {
    throw new Error(`No usable images in "${root}": all ${absolute.length} files were skipped; see the warnings above.`);
  }

  const files = decoded.files.map((file) => path.relative(root, file).split(path.sep).join('/'));
  return {
    dataset: {
      images: decoded.images,
      meta: {
        size: common.size,
        channels: common.channels,
        crop,
        grayscale: common.channels === 1 ? common.grayscale : null,
        resize: 'area-average',
        fileCount: files.length,
        skippedFiles: decoded.skipped.map((entry) => entry.file),
        files,
      },
    },
    files,
  };
}

export const folderSource: DataSource = {
  scheme: 'folder',
  description: 'folder:DIR — every PNG, JPEG and WebP file under DIR (recursive, sorted), centre-cropped to a square and resized',
  async load(location: string, options: PrepareOptions): Promise<PreparedDataset> {
    const root = path.resolve(location);
    const common = resolveCommonOptions(options);
    let files = await listImageFiles(root);
    if (common.count !== undefined) {
      files = files.slice(0, common.count);
    }
    const { dataset } = await loadImageFiles(root, files, options, 'center', `Decoding ${path.basename(root)}`);
    return { ...dataset, source: `folder:${root}` };
  },
  fingerprint: (location) => fingerprintImageFolder(path.resolve(location)),
};
