import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '@gahb/datasets';
import { parseSyntheticLocation } from '../register-synthetic-source';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-data-cli-'));
});

afterEach(finishCliTest);

/** Writes a 24x24 gray PNG whose pixels are (value + x + y) mod 256. */
async function writePng(file: string, value: number): Promise<void> {
  const data = Buffer.alloc(24 * 24);
  for (let y = 0; y < 24; y++) {
    for (let x = 0; x < 24; x++) {
      data[y * 24 + x] = (value + x + y) % 256;
    }
  }
  await sharp(data, { raw: { width: 24, height: 24, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

describe('gahb data', () => {
  test('prepare writes a folder set with its sidecar', async () => {
    const photos = path.join(dir, 'photos');
    await mkdir(photos);
    for (let i = 0; i < 6; i++) {
      await writePng(path.join(photos, `image-${i}.png`), 40 * i);
    }
    const out = path.join(dir, 'set.npy');
    await gahb('data', 'prepare', '--source', `folder:${photos}`, '--size', '12', '--out', out);

    const dataset = await loadDataset(out);
    expect(dataset.images.shape).toEqual([6, 12, 12, 1]);
    const sidecar = JSON.parse(await readFile(path.join(dir, 'set.json'), 'utf8'));
    expect(sidecar.storage).toBe('uint8');
    expect(sidecar.meta.files).toEqual(['image-0.png', 'image-1.png', 'image-2.png', 'image-3.png', 'image-4.png', 'image-5.png']);
    expect(output.join('\n')).toContain('images:        6 x 12x12x1');
  });

  test('split writes S1 and S2 with their indices', async () => {
    const photos = path.join(dir, 'photos');
    await mkdir(photos);
    for (let i = 0; i < 6; i++) {
      await writePng(path.join(photos, `image-${i}.png`), 40 * i);
    }
    const data = path.join(dir, 'set.npy');
    await gahb('data', 'prepare', '--source', `folder:${photos}`, '--size', '12', '--out', data);
    await gahb('data', 'split', '--data', data, '--n', '2', '--side', '1', '--out', path.join(dir, 's1.npy'), '--test-out', path.join(dir, 's1-test.npy'));
    await gahb('data', 'split', '--data', data, '--n', '2', '--side', '2', '--out', path.join(dir, 's2.npy'));

    const whole = await loadDataset(data);
    const s1 = await loadDataset(path.join(dir, 's1.npy'));
    const s2 = await loadDataset(path.join(dir, 's2.npy'));
    const s1Record = s1.meta.split as { indices: number[]; testIndices: number[]; testSource: string };
    const s2Record = s2.meta.split as { indices: number[] };
    expect(s1Record.indices).toEqual([0, 1]);
    expect(s2Record.indices).toEqual([4, 5]);
    expect(s1Record.testIndices).toEqual([2, 3]);
    expect(s1Record.testSource).toBe('held-out');
    // S2's first image is image 4 of the set, value for value.
    expect(s2.images.data.subarray(0, 144)).toEqual(whole.images.data.subarray(4 * 144, 5 * 144));
    const test = await loadDataset(path.join(dir, 's1-test.npy'));
    expect(test.images.shape[0]).toBe(2);
  });

  test('split of bundled patches keeps photographs apart', async () => {
    const data = path.join(dir, 'patches.npy');
    await gahb('data', 'prepare', '--source', 'patches:bundled', '--size', '16', '--patches-per-image', '4', '--out', data);
    await gahb('data', 'split', '--data', data, '--n', '10', '--side', '1', '--out', path.join(dir, 's1.npy'));
    await gahb('data', 'split', '--data', data, '--n', '10', '--side', '2', '--out', path.join(dir, 's2.npy'));
    const s1Groups = (await loadDataset(path.join(dir, 's1.npy'))).meta.split as { groups: string[] };
    const s2Groups = (await loadDataset(path.join(dir, 's2.npy'))).meta.split as { groups: string[] };
    expect(s1Groups.groups.filter((photo) => s2Groups.groups.includes(photo))).toEqual([]);
    expect(s1Groups.groups.length).toBeGreaterThan(0);
  });

  test('synthetic source generates images', async () => {
    const out = path.join(dir, 'disks.npy');
    await gahb('data', 'prepare', '--source', 'synthetic:disks', '--size', '16', '--count', '5', '--storage', 'float32', '--out', out);
    const dataset = await loadDataset(out);
    expect(dataset.images.shape).toEqual([5, 16, 16, 1]);
    expect(dataset.source).toBe('synthetic:disks');
  });

  test('synthetic location parses generator options', () => {
    expect(parseSyntheticLocation('c-alpha?alpha=2&shape=square&antialias=true')).toEqual({
      name: 'c-alpha',
      options: { alpha: 2, shape: 'square', antialias: true },
    });
    expect(parseSyntheticLocation('disks')).toEqual({ name: 'disks', options: {} });
    expect(() => parseSyntheticLocation('?alpha=2')).toThrow('synthetic: needs a generator name');
  });

  test('prepare from npy keeps its size', async () => {
    const photos = path.join(dir, 'photos');
    await mkdir(photos);
    await writePng(path.join(photos, 'image-0.png'), 0);
    const data = path.join(dir, 'set.npy');
    await gahb('data', 'prepare', '--source', `folder:${photos}`, '--size', '12', '--out', data);

    const copy = path.join(dir, 'copy.npy');
    await gahb('data', 'prepare', '--source', `npy:${data}`, '--out', copy);
    expect((await loadDataset(copy)).images.shape).toEqual([1, 12, 12, 1]);
  });

  test('split onto its input is rejected', async () => {
    const photos = path.join(dir, 'photos');
    await mkdir(photos);
    for (let i = 0; i < 4; i++) {
      await writePng(path.join(photos, `image-${i}.png`), i);
    }
    const data = path.join(dir, 'set.npy');
    await gahb('data', 'prepare', '--source', `folder:${photos}`, '--size', '12', '--out', data);
    await expect(gahb('data', 'split', '--data', data, '--n', '1', '--side', '1', '--out', data)).rejects.toThrow(
      'is the input set --data',
    );
    expect((await loadDataset(data)).images.shape[0]).toBe(4);
  });

  test('prepare rejects empty patch scale', async () => {
    const out = path.join(dir, 'set.npy');
    await expect(gahb('data', 'prepare', '--source', 'patches:bundled', '--patch-scales', '1,,2', '--out', out)).rejects.toThrow(
      'use comma-separated numbers',
    );
  });

  test('synthetic location rejects repeated option', () => {
    expect(() => parseSyntheticLocation('c-alpha?alpha=2&alpha=3')).toThrow('option alpha is given twice');
  });

  test('synthetic location keeps __proto__ as an option', () => {
    expect(Object.keys(parseSyntheticLocation('disks?__proto__=1').options)).toEqual(['__proto__']);
  });

  test('prepare into missing folder is rejected first', async () => {
    const out = path.join(dir, 'missing', 'set.npy');
    // The source does not exist either: the output check comes first, before any work.
    await expect(gahb('data', 'prepare', '--source', `folder:${path.join(dir, 'none')}`, '--out', out)).rejects.toThrow(
      `--out ${out} is invalid: the folder ${path.join(dir, 'missing')} does not exist`,
    );
  });

  test('split larger than half the set is rejected', async () => {
    const photos = path.join(dir, 'photos');
    await mkdir(photos);
    for (let i = 0; i < 3; i++) {
      await writePng(path.join(photos, `image-${i}.png`), i);
    }
    const data = path.join(dir, 'set.npy');
    await gahb('data', 'prepare', '--source', `folder:${photos}`, '--size', '12', '--out', data);
    await expect(gahb('data', 'split', '--data', data, '--n', '2', '--side', '1', '--out', path.join(dir, 's1.npy'))).rejects.toThrow(
      'use N <= 1',
    );
  });
});
