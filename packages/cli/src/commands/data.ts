/**
 * `gahb data prepare` prepares an image set from any registered source and writes it as `.npy` with a
 * JSON sidecar. `gahb data split` selects the study's subset S1 (first N) or S2 (last N, or for patch sets
 * the photographs dealt to side 2) of a prepared set, and records the indices it used.
 */

import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  dataSourceRegistry,
  prepareDataset,
  readSidecar,
  saveDataset,
  selectImages,
  sidecarPath,
  splitSubsets,
  type DatasetStorage,
  type PrepareDatasetOptions,
  type PreparedDataset,
} from '@gahb/datasets';
import { registerCommand } from '../command-registry';
import { checkOutputFile } from './output-paths';
import '../register-synthetic-source';

interface PrepareCommandOptions {
  source: string;
  out: string;
  size?: number;
  channels?: number;
  count?: number;
  crop?: string;
  grayscale?: string;
  dedupe?: boolean;
  dedupeThreshold?: number;
  dedupeSigned?: boolean;
  patchScales?: number[];
  patchesPerImage?: number;
  partition?: string;
  layout?: string;
  seed: number;
  skipBadFiles?: boolean;
  storage: string;
  cacheDir?: string;
  concurrency?: number;
}

interface SplitCommandOptions {
  data: string;
  n: number;
  side: number;
  out: string;
  testOut?: string;
  testCount: number;
  seed: number;
  testGroups?: number;
}

function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new InvalidArgumentError(`"${value}" is invalid: use an integer > 0.`);
  }
  return parsed;
}

function parseNonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`"${value}" is invalid: use an integer >= 0.`);
  }
  return parsed;
}

function parseNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new InvalidArgumentError(`"${value}" is invalid: use a number.`);
  }
  return parsed;
}

function parseNumberList(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  const values = parts.map(Number);
  // Number('') is 0, so an empty entry such as "1,,2" is rejected before it becomes scale 0.
  if (parts.some((part) => part === '') || values.some((entry) => !Number.isFinite(entry))) {
    throw new InvalidArgumentError(`"${value}" is invalid: use comma-separated numbers, e.g. 1,2,4.`);
  }
  return values;
}

/** Parses --crop: 'center', 'none' or TOP,LEFT,HEIGHT,WIDTH in pixels. */
function parseCrop(value: string): PrepareDatasetOptions['crop'] {
  if (value === 'center' || value === 'none') {
    return value;
  }
  const parts = value.split(',').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isSafeInteger(part) || part < 0)) {
    throw new Error(`--crop ${value} is invalid: use center, none or TOP,LEFT,HEIGHT,WIDTH in pixels.`);
  }
  const [top, left, height, width] = parts;
  return { top, left, height, width };
}

function checkChoice(option: string, value: string | undefined, choices: string[]): void {
  if (value !== undefined && !choices.includes(value)) {
    throw new Error(`${option} ${value} is invalid: use ${choices.join(', ')}.`);
  }
}

/** Returns the summary lines printed after preparing or splitting. */
function summaryLines(dataset: PreparedDataset, out: string, storage: string, contentHash: string): string[] {
  const [count, height, width, channels] = dataset.images.shape;
  const lines = [
    `source:        ${dataset.source}`,
    `images:        ${count} x ${height}x${width}x${channels}`,
    `storage:       ${storage}`,
    `written:       ${out}`,
    `sidecar:       ${sidecarPath(out)}`,
    `content hash:  ${contentHash}`,
  ];
  if (dataset.groups !== undefined) {
    lines.push(`photographs:   ${new Set(dataset.groups).size}`);
  }
  const dedupe = dataset.meta.dedupe as { removed?: number; threshold?: number } | null | undefined;
  if (dedupe) {
    lines.push(`near-duplicates removed: ${dedupe.removed} (threshold ${dedupe.threshold})`);
  }
  return lines;
}

async function prepareAction(options: PrepareCommandOptions): Promise<void> {
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    throw new Error(`--channels ${options.channels} is invalid: use 1 or 3.`);
  }
  checkChoice('--grayscale', options.grayscale, ['mean', 'bt601']);
  checkChoice('--partition', options.partition, ['train', 'valid', 'test', 'all']);
  checkChoice('--layout', options.layout, ['nhwc', 'nchw']);
  checkChoice('--storage', options.storage, ['uint8', 'float32']);
  await checkOutputFile('--out', options.out);

  // npy: arrays keep their own size unless --size is given; every other source defaults to 80 pixels.
  const isNpy = options.source.startsWith('npy:');
  const prepareOptions: PrepareDatasetOptions = {
    size: options.size ?? (isNpy ? undefined : 80),
    channels: options.channels as 1 | 3 | undefined,
    count: options.count,
    crop: options.crop === undefined ? undefined : parseCrop(options.crop),
    grayscale: options.grayscale as PrepareDatasetOptions['grayscale'],
    dedupe: options.dedupe,
    dedupeThreshold: options.dedupeThreshold,
    dedupeSigned: options.dedupeSigned,
    patchScales: options.patchScales,
    patchesPerImage: options.patchesPerImage,
    partition: options.partition as PrepareDatasetOptions['partition'],
    layout: options.layout as PrepareDatasetOptions['layout'],
    seed: options.seed,
    skipBadFiles: options.skipBadFiles,
    storage: options.storage as DatasetStorage,
    cacheDir: options.cacheDir,
    concurrency: options.concurrency,
  };
  const dataset = await prepareDataset(options.source, prepareOptions);
  const out = path.resolve(options.out);
  const sidecar = await saveDataset(out, dataset, options.storage as DatasetStorage);
  console.log(summaryLines(dataset, out, sidecar.storage, sidecar.contentHash).join('\n'));
}

/** Rejects a split whose --out or --test-out would overwrite the input set or each other. */
function checkDistinctOutputs(dataPath: string, out: string, testOut: string | undefined): void {
  const resolvedOut = path.resolve(out);
  if (resolvedOut === dataPath) {
    throw new Error(`--out ${out} is the input set --data: write the subset to another file, or the set is lost.`);
  }
  if (testOut === undefined) {
    return;
  }
  const resolvedTestOut = path.resolve(testOut);
  if (resolvedTestOut === dataPath || resolvedTestOut === resolvedOut) {
    throw new Error(`--test-out ${testOut} is the same file as --data or --out: give the test images their own file.`);
  }
}

async function splitAction(options: SplitCommandOptions): Promise<void> {
  if (options.side !== 1 && options.side !== 2) {
    throw new Error(`--side ${options.side} is invalid: use 1 (S1, the first N) or 2 (S2, the last N).`);
  }
  const dataPath = path.resolve(options.data);
  checkDistinctOutputs(dataPath, options.out, options.testOut);
  await checkOutputFile('--out', options.out);
  if (options.testOut !== undefined) {
    await checkOutputFile('--test-out', options.testOut);
  }
  const dataset = await prepareDataset(`npy:${dataPath}`, { storage: 'float32' });
  const { s1, s2 } = splitSubsets(dataset, options.n, {
    testCount: options.testCount,
    seed: options.seed,
    testGroupCount: options.testGroups,
  });
  const split = options.side === 1 ? s1 : s2;

  const record = {
    data: dataPath,
    dataContentHash: dataset.meta.contentHash ?? null,
    dataSource: dataset.source,
    side: split.side,
    n: options.n,
    seed: options.seed,
    indices: Array.from(split.indices),
    groups: split.groups ?? null,
    testIndices: Array.from(split.testIndices),
    testGroups: split.testGroups ?? null,
    testSource: split.testSource,
  };
  const subset: PreparedDataset = {
    images: selectImages(dataset.images, split.indices),
    source: `${dataset.source} S${split.side} N=${options.n}`,
    meta: { split: record, parent: dataset.meta },
  };
  if (dataset.groups !== undefined) {
    subset.groups = Int32Array.from(split.indices, (index) => (dataset.groups as Int32Array)[index]);
    subset.groupNames = dataset.groupNames;
  }

  // A subset keeps the storage of its set: uint8 values are multiples of 1/255, so storing them again loses nothing.
  const storage: DatasetStorage = (await readSidecar(dataPath))?.storage ?? 'float32';
  const out = path.resolve(options.out);
  const sidecar = await saveDataset(out, subset, storage);
  const lines = summaryLines(subset, out, storage, sidecar.contentHash);

  if (options.testOut !== undefined) {
    const testOut = path.resolve(options.testOut);
    const test: PreparedDataset = {
      images: selectImages(dataset.images, split.testIndices),
      source: `${dataset.source} test images of S${split.side} N=${options.n}`,
      meta: { split: { ...record, role: 'test' }, parent: dataset.meta },
    };
    await saveDataset(testOut, test, storage);
    lines.push(`test images:   ${split.testIndices.length} (${split.testSource}) written to ${testOut}`);
  }
  console.log(lines.join('\n'));
}

registerCommand({
  name: 'data',
  description: 'Prepare image sets (folders, CelebA, .npy, photo patches, synthetic) and select the S1/S2 subsets.',
  configure(command) {
    command
      .command('prepare')
      .description('Prepare an image set and write it as .npy with a JSON sidecar; print its summary.')
      .requiredOption('--source <spec>', `data source: ${dataSourceRegistry.names().map((scheme) => `${scheme}:`).join(', ')} (e.g. folder:DIR, patches:bundled)`)
      .requiredOption('--out <file>', 'output .npy file; the sidecar is written beside it with the extension .json')
      .option('--size <pixels>', "output height and width in pixels (default: 80; npy: the array's size)", parsePositiveInteger)
      .option('--channels <count>', "1 (grayscale) or 3 (RGB) (default: 1; npy: the array's channels)", parsePositiveInteger)
      .option('--count <images>', 'maximum number of images (patches: total patches)', parsePositiveInteger)
      .option('--crop <region>', 'center, none or TOP,LEFT,HEIGHT,WIDTH in pixels (default: center; CelebA: the study crop)')
      .option('--grayscale <method>', 'mean (of R, G, B, as the study) or bt601 (luma)')
      .option('--dedupe', 'remove near-duplicates (|mean-removed cosine| on 20x20 pooled images above the threshold)')
      .option('--dedupe-threshold <similarity>', 'near-duplicate threshold', parseNumber)
      .option('--dedupe-signed', 'compare signed similarity instead of its absolute value')
      .option('--patch-scales <list>', 'patches: ratios of the cut square to the patch size, e.g. 1,2,4', parseNumberList)
      .option('--patches-per-image <count>', 'patches: patches cut from each photograph', parsePositiveInteger)
      .option('--partition <name>', 'celeba: train, valid, test or all')
      .option('--layout <order>', 'npy: axis order of 4-D arrays, nhwc or nchw (PyTorch)')
      .option('--seed <integer>', 'seed of random choices such as patch positions', parseNonNegativeInteger, 0)
      .option('--skip-bad-files', 'skip unreadable or too small files with a warning instead of failing')
      .option('--storage <type>', 'uint8 (0..255, 1 byte per value) or float32', 'uint8')
      .option('--cache-dir <dir>', 'reuse a set prepared earlier with the same options from this folder')
      .option('--concurrency <count>', 'image files decoded at the same time (default: 4 x the number of cores)', parsePositiveInteger)
      .action(prepareAction);

    command
      .command('split')
      .description("Select the study's subset S1 (first N) or S2 (last N) of a prepared set and record its indices.")
      .requiredOption('--data <file>', 'prepared .npy file (from gahb data prepare) or any image .npy')
      .requiredOption('--n <count>', 'training images per subset, N', parsePositiveInteger)
      .requiredOption('--side <side>', '1 for S1, 2 for S2', parsePositiveInteger)
      .requiredOption('--out <file>', 'output .npy file of the N training images (sidecar beside it)')
      .option('--test-out <file>', 'also write the test images of this side')
      .option('--test-count <count>', 'test images to record', parseNonNegativeInteger, 512)
      .option('--seed <integer>', 'patch sets: seed of the assignment of photographs to S1, S2 and test', parseNonNegativeInteger, 0)
      .option('--test-groups <count>', 'patch sets: photographs held out for testing (default: a tenth, at least 1)', parseNonNegativeInteger)
      .action(splitAction);
  },
});
