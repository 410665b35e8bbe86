/**
 * `gahb synth NAME` generates images of a registered synthetic class (c-alpha, disks, sines, or a third-party
 * class) and writes them as a float32 `.npy`, with optional parameter vectors and a PNG grid of the first images.
 * Class options are given as `--option value` after the name, for example `gahb synth c-alpha --alpha 2`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { totalmem } from 'node:os';
import { createImageBatch, createLogger, sliceImageBatch, startProgress, writeImageGrid, writeNpy } from '@gahb/core';
import {
  describeValidRange,
  generatorRegistry,
  getGenerator,
  resolveOptions,
  type ImageGenerator,
} from '@gahb/synthetic-images';
import { registerCommand } from '../command-registry';
import { checkOutputPaths } from './sample';

interface SynthCommandOptions {
  size?: number;
  count: number;
  seed: number;
  out: string;
  layout: 'nhw' | 'nhwc';
  params?: string;
  grid?: string;
  gridCount: number;
}

/** Images generated per progress update. */
const CHUNK_SIZE = 500;

const logger = createLogger('synth');

function parseInteger(minimum: number): (value: string) => number {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`"${value}" is invalid: use an integer ≥ ${minimum}.`);
    }
    return parsed;
  };
}

function kebabToCamel(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function camelToKebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * Parses the class options left over by commander (`--name value`, `--name=value`, `--flag`, `--no-flag`) into
 * values of the types the generator's schema declares. Names are kebab-case or camelCase.
 */
export function parseClassOptions(generator: ImageGenerator<any>, args: readonly string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const argument = args[i];
    if (!argument.startsWith('--')) {
      throw new Error(`synth: unexpected argument "${argument}"; class options are written --name value.`);
    }
    let name = argument.slice(2);
    let text: string | undefined;
    const equals = name.indexOf('=');
    if (equals >= 0) {
      text = name.slice(equals + 1);
      name = name.slice(0, equals);
    }
    let negated = false;
    let key = kebabToCamel(name);
    // Own properties only, so that names every object inherits (--constructor, --to-string) are unknown options.
    if (!Object.hasOwn(generator.options, key) && name.startsWith('no-')) {
      negated = true;
      key = kebabToCamel(name.slice(3));
    }
    const spec = Object.hasOwn(generator.options, key) ? generator.options[key] : undefined;
    if (spec === undefined) {
      const known = Object.keys(generator.options).map((option) => `--${camelToKebab(option)}`).join(', ');
      throw new Error(`synth: unknown option --${name} for class ${generator.name}. Its options: ${known}.`);
    }

    if (spec.type === 'boolean') {
      if (text === undefined && !negated && i + 1 < args.length && /^(true|false)$/.test(args[i + 1])) {
        text = args[++i];
      }
      if (text !== undefined && text !== 'true' && text !== 'false') {
        throw new Error(`synth: --${name} ${text} is invalid: use true or false.`);
      }
      const value = text !== 'false';
      options[key] = negated ? !value : value;
      continue;
    }

    if (text === undefined) {
      if (i + 1 >= args.length) {
        throw new Error(`synth: --${name} needs a value: ${describeValidRange(spec)}.`);
      }
      text = args[++i];
    }
    if (spec.type === 'string') {
      options[key] = text;
    } else {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) {
        throw new Error(`synth: --${name} "${text}" is invalid: use ${describeValidRange(spec)}.`);
      }
      options[key] = value;
    }
  }
  return options;
}

function formatGibibytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toPrecision(3)} GiB`;
}

/** Help text listing each registered class with its options, defaults and valid values. */
function classOptionsHelp(): string {
  const lines = ['', 'Classes and their options (give them after the class name):'];
  for (const [name, generator] of generatorRegistry.list()) {
    lines.push(`  ${name}: ${generator.description}`);
    for (const [option, spec] of Object.entries(generator.options)) {
      if (option === 'size') {
        continue;
      }
      const defaultText = spec.default === null ? 'unset' : JSON.stringify(spec.default);
      lines.push(`    --${camelToKebab(option)}  ${spec.description} (${describeValidRange(spec)}; default ${defaultText})`);
    }
  }
  return lines.join('\n');
}

async function runSynth(name: string, options: SynthCommandOptions, command: Command): Promise<void> {
  const generator = getGenerator(name);
  const classOptions = parseClassOptions(generator, command.args.slice(1));
  if (options.size !== undefined) {
    classOptions.size = options.size;
  }
  const resolved = resolveOptions(generator, classOptions) as Record<string, unknown>;
  const size = resolved.size as number;
  const parameterNames = generator.parameterNames(resolved);
  await checkOutputPaths([
    ['--out', options.out],
    ['--params', options.params],
    ['--grid', options.grid],
  ]);

  // Memory is committed page by page as images are generated, so without this check an oversized request
  // would fail late, through swapping or the out-of-memory killer.
  const imageBytes = options.count * size * size * 4;
  if (imageBytes > totalmem()) {
    throw new Error(
      `synth: ${options.count} images of ${size}x${size} need ${formatGibibytes(imageBytes)} of memory, more than this machine's ` +
        `${formatGibibytes(totalmem())}; use a smaller --count or --size.`,
    );
  }

  // Generate in chunks for progress; image i depends only on (seed, i), so chunks equal one large call.
  // NOTE: the whole set is held in memory (count·size²·4 bytes) because writeNpy takes one array.
  const images = createImageBatch(options.count, size, size, 1);
  const parameters = new Float64Array(options.count * parameterNames.length);
  const progress = startProgress({ label: `synth ${name}`, total: options.count, unit: 'images', logger });
  for (let start = 0; start < options.count; start += CHUNK_SIZE) {
    const count = Math.min(CHUNK_SIZE, options.count - start);
    const chunk = generator.generate(count, options.seed, resolved, start);
    images.data.set(chunk.images.data, start * size * size);
    parameters.set(chunk.parameters, start * parameterNames.length);
    progress.tick(count);
  }
  progress.done();

  const shape = options.layout === 'nhwc' ? [options.count, size, size, 1] : [options.count, size, size];
  await writeNpy(options.out, { dtype: 'float32', shape, data: images.data });
  const written = [`images: ${options.out} float32 [${shape.join(', ')}]`];
  if (options.params !== undefined) {
    await writeNpy(options.params, {
      dtype: 'float64',
      shape: [options.count, parameterNames.length],
      data: parameters,
    });
    written.push(`parameters: ${options.params} float64 [${options.count}, ${parameterNames.length}] (${parameterNames.join(', ')})`);
  }
  if (options.grid !== undefined && options.count > 0) {
    const gridCount = Math.min(options.gridCount, options.count);
    const columns = Math.ceil(Math.sqrt(gridCount));
    await writeImageGrid(options.grid, sliceImageBatch(images, 0, gridCount), {
      columns,
      scale: Math.max(1, Math.round(96 / size)),
    });
    written.push(`grid: ${options.grid} (first ${gridCount} images)`);
  }
  console.log(written.join('\n'));
}

registerCommand({
  name: 'synth',
  description: 'Generate synthetic images (C^alpha, disks, sines, ...) and write them as .npy with an optional PNG grid.',
  configure(command) {
    command
      .argument('<name>', `synthetic image class: ${generatorRegistry.names().join(', ')}`)
      .option('--size <pixels>', "image height and width in pixels (default: the class's, 80 for c-alpha and disks)", parseInteger(4))
      .option('--count <n>', 'number of images', parseInteger(0), 1000)
      .option('--seed <n>', 'random seed; image i depends only on the seed and i', parseInteger(0), 0)
      .requiredOption('--out <file.npy>', 'output .npy of float32 intensities in [0, 1]')
      .option(
        '--layout <layout>',
        "shape of the .npy: 'nhw' writes [count, size, size], 'nhwc' writes [count, size, size, 1]",
        (value: string) => {
          if (value !== 'nhw' && value !== 'nhwc') {
            throw new InvalidArgumentError(`"${value}" is invalid: use nhw or nhwc.`);
          }
          return value;
        },
        'nhw',
      )
      .option('--params <file.npy>', 'also write the parameter vectors as float64 [count, parameters]')
      .option('--grid <file.png>', 'also write a PNG grid of the first images')
      .option('--grid-count <n>', 'number of images in the grid', parseInteger(1), 64)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .addHelpText('after', classOptionsHelp)
      .action(async (name: string, options: SynthCommandOptions, self: Command) => {
        await runSynth(name, options, self);
      });
  },
});
