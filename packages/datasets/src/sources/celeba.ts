/**
 * `celeba:DIR`: CelebA's "aligned and cropped" images (`DIR/img_align_celeba/NNNNNN.jpg`, 178x218 pixels,
 * or DIR itself holding the JPEGs), prepared as the study does (Kadkhodaie et al., ICLR 2024, App. A.1):
 * rows 29..188 and columns 9..168 are kept (160x160), converted to grayscale and downsampled to 80x80.
 * The study resizes with Pillow's bicubic filter; gahb averages areas. `list_eval_partition.txt`
 * (`NNNNNN.jpg P` with P = 0 train, 1 valid, 2 test), in DIR, selects a partition.
 */

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DataSource, PrepareOptions, PreparedDataset } from '../data-source';
import { isImageFile, listImageFiles } from '../image-files';
import type { CropRect } from '../preprocess';
import { loadImageFiles } from './folder';
import { fingerprintFiles, fingerprintImageFolder } from './fingerprint';
import { resolveCommonOptions } from './resolve-options';

/** The study's crop of the 178x218 aligned images: 160x160 from row 29, column 9. */
export const CELEBA_CROP: CropRect = { top: 29, left: 9, height: 160, width: 160 };

const PARTITION_CODES = { train: '0', valid: '1', test: '2' } as const;

async function isDirectory(candidate: string): Promise<boolean> {
  try {
    return (await stat(candidate)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads list_eval_partition.txt into a map from file name to partition code; null when the file is missing. */
async function readPartitionList(root: string): Promise<Map<string, string> | null> {
  const listPath = path.join(root, 'list_eval_partition.txt');
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
  const partitions = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let lineNumber = 0; lineNumber < lines.length; lineNumber++) {
    const line = lines[lineNumber].trim();
    if (line === '') {
      continue;
    }
    const fields = line.split(/\s+/);
    if (fields.length !== 2 || !isImageFile(fields[0]) || !/^[012]$/.test(fields[1])) {
      throw new Error(
        `"${listPath}" line ${lineNumber + 1} ("${line}") is invalid: each line must be "FILE.jpg P" with P = 0, 1 or 2.`,
      );
    }
    partitions.set(fields[0], fields[1]);
  }
  return partitions;
}

export const celebaSource: DataSource = {
  scheme: 'celeba',
  description: "celeba:DIR — CelebA aligned JPEGs (DIR/img_align_celeba/), the study's 160x160 crop, grayscale, resized",
  async load(location: string, options: PrepareOptions): Promise<PreparedDataset> {
    const root = path.resolve(location);
    const common = resolveCommonOptions(options);
    const partition = options.partition ?? 'all';
    if (!['train', 'valid', 'test', 'all'].includes(partition)) {
      throw new Error(`CelebA partition "${String(partition)}" is invalid: use train, valid, test or all.`);
    }

    const nested = path.join(root, 'img_align_celeba');
    const imageDir = (await isDirectory(nested)) ? nested : root;
    let files = await listImageFiles(imageDir);

    if (partition !== 'all') {
      const partitions = await readPartitionList(root);
      if (partitions === null) {
        throw new Error(`Partition "${partition}" needs "${path.join(root, 'list_eval_partition.txt')}", which was not found: add it or use partition all.`);
      }
      const code = PARTITION_CODES[partition];
      const listed = new Set(files);
      const missing = [...partitions].filter(([file, value]) => value === code && !listed.has(file));
      if (missing.length > 0 && !common.skipBadFiles) {
        throw new Error(
          `${missing.length} files of the ${partition} partition are missing from "${imageDir}" (first: ${missing[0][0]}): ` +
            'restore them or skip bad files.',
        );
      }
      files = files.filter((file) => partitions.get(file) === code);
      if (files.length === 0) {
        throw new Error(
          `"${path.join(root, 'list_eval_partition.txt')}" lists none of the images in "${imageDir}" under the ${partition} ` +
            `partition (code ${code}): check that the list belongs to these images, or use partition all.`,
        );
      }
    }
    if (common.count !== undefined) {
      files = files.slice(0, common.count);
    }

    const { dataset } = await loadImageFiles(imageDir, files, options, CELEBA_CROP, 'Decoding CelebA');
    return {
      ...dataset,
      source: `celeba:${root}`,
      meta: { ...dataset.meta, partition },
    };
  },
  async fingerprint(location) {
    const root = path.resolve(location);
    const nested = path.join(root, 'img_align_celeba');
    const imageDir = (await isDirectory(nested)) ? nested : root;
    return `${await fingerprintImageFolder(imageDir)}:${await fingerprintFiles([path.join(root, 'list_eval_partition.txt')])}`;
  },
};
