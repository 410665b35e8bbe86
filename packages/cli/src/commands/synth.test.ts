import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readNpy } from '@gahb/core';
import { getGenerator } from '@gahb/synthetic-images';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';
import { createProgram } from '../main';

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-synth-cli-'));
});

afterEach(finishCliTest);

describe('gahb synth', () => {
  test('c-alpha writes images, parameters and grid', async () => {
    const out = path.join(dir, 'images.npy');
    const params = path.join(dir, 'params.npy');
    const grid = path.join(dir, 'grid.png');
    await gahb(
      'synth', 'c-alpha', '--size', '16', '--count', '5', '--seed', '3', '--alpha', '2', '--blur', '0',
      '--out', out, '--params', params, '--grid', grid, '--grid-count', '4',
    );

    const images = await readNpy(out);
    expect(images.dtype).toBe('float32');
    expect(images.shape).toEqual([5, 16, 16]);
    const expected = getGenerator('c-alpha').generate(5, 3, { size: 16, alpha: 2, blur: 0 });
    expect(Array.from(images.data)).toEqual(Array.from(expected.images.data));

    const parameters = await readNpy(params);
    expect(parameters.dtype).toBe('float64');
    expect(parameters.shape).toEqual([5, 8]);
    expect(Array.from(parameters.data)).toEqual(Array.from(expected.parameters));

    // 4 images of 16 px scaled by 6 in 2 columns with 1 px padding: 2·96 + 3 = 195 pixels wide.
    const metadata = await sharp(await readFile(grid)).metadata();
    expect(metadata.width).toBe(195);
    expect(metadata.height).toBe(195);
    expect(output.join('\n')).toContain('float32 [5, 16, 16]');
  });

  test('disks with nhwc layout and boolean options', async () => {
    const out = path.join(dir, 'disks.npy');
    const params = path.join(dir, 'disks-params.npy');
    await gahb(
      'synth', 'disks', '--size', '12', '--count', '3', '--no-foreground', '--background=false',
      '--layout', 'nhwc', '--out', out, '--params', params,
    );
    const images = await readNpy(out);
    expect(images.shape).toEqual([3, 12, 12, 1]);
    const parameters = await readNpy(params);
    for (let i = 0; i < 3; i++) {
      expect(parameters.data[5 * i + 3]).toBe(1);
      expect(parameters.data[5 * i + 4]).toBe(0);
    }
  });

  test('larger count keeps leading images', async () => {
    const small = path.join(dir, 'small.npy');
    const large = path.join(dir, 'large.npy');
    await gahb('synth', 'sines', '--size', '8', '--count', '2', '--seed', '5', '--out', small);
    await gahb('synth', 'sines', '--size', '8', '--count', '4', '--seed', '5', '--out', large);
    const smallImages = await readNpy(small);
    const largeImages = await readNpy(large);
    expect(Array.from(largeImages.data.subarray(0, 128))).toEqual(Array.from(smallImages.data));
  });

  test('rejects unknown class', async () => {
    await expect(gahb('synth', 'circles', '--out', path.join(dir, 'x.npy'))).rejects.toThrow(
      'Unknown synthetic image class "circles"',
    );
  });

  test('rejects alpha 0 naming the range', async () => {
    await expect(gahb('synth', 'c-alpha', '--alpha', '0', '--out', path.join(dir, 'x.npy'))).rejects.toThrow(
      'option alpha = 0 is invalid: use a number > 0',
    );
  });

  test('rejects unknown class option listing known ones', async () => {
    await expect(gahb('synth', 'disks', '--alpha', '2', '--out', path.join(dir, 'x.npy'))).rejects.toThrow(
      'unknown option --alpha for class disks',
    );
  });

  test('rejects inherited property as option', async () => {
    await expect(gahb('synth', 'disks', '--constructor', '2', '--out', path.join(dir, 'x.npy'))).rejects.toThrow(
      'unknown option --constructor for class disks',
    );
  });

  test('rejects missing output folder before generating', async () => {
    const out = path.join(dir, 'missing', 'x.npy');
    await expect(gahb('synth', 'disks', '--size', '8', '--count', '2', '--out', out)).rejects.toThrow(
      `--out "${out}": the folder "${path.join(dir, 'missing')}" does not exist; create it first.`,
    );
    expect(output).toEqual([]);
  });

  test('rejects shared output path', async () => {
    const out = path.join(dir, 'x.npy');
    await expect(gahb('synth', 'disks', '--size', '8', '--count', '2', '--out', out, '--params', out)).rejects.toThrow(
      `--params "${out}" is also the path of --out; give each output its own file.`,
    );
  });

  test('rejects set larger than memory', async () => {
    await expect(gahb('synth', 'disks', '--size', '4096', '--count', '100000000', '--out', path.join(dir, 'x.npy'))).rejects.toThrow(
      /synth: 100000000 images of 4096x4096 need 6\.25e\+6 GiB of memory, more than this machine's/,
    );
  });

  test('rejects size 3', async () => {
    const error = await createProgram()
      .parseAsync(['node', 'gahb', 'synth', 'c-alpha', '--size', '3', '--out', path.join(dir, 'x.npy')])
      .catch((caught: unknown) => caught as Error);
    expect(String(error)).toContain('"3" is invalid: use an integer ≥ 4');
  });
});
