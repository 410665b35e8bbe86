import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareDataset } from '../src';
import { makeTempDir, pixels, removeTempDirs, writeImage } from './image-fixtures';

afterAll(removeTempDirs);

/** CelebA aligned image: 178 wide, 218 high, 50/255 outside the study's crop and `inside`/255 within it. */
function alignedFace(inside: number): Uint8Array {
  return pixels(218, 178, 3, (y, x) => (y >= 29 && y < 189 && x >= 9 && x < 169 ? inside : 50));
}

/** Builds DIR/img_align_celeba with images 000001..000006 and a partition list (2 train, 2 valid, 2 test). */
async function celebaFolder(): Promise<string> {
  const dir = await makeTempDir();
  for (let i = 1; i <= 6; i++) {
    const name = `${String(i).padStart(6, '0')}.jpg`;
    await writeImage(path.join(dir, 'img_align_celeba', name), alignedFace(30 * i), 218, 178, 3);
  }
  const partitions = ['0', '0', '1', '1', '2', '2'];
  await writeFile(
    path.join(dir, 'list_eval_partition.txt'),
    partitions.map((code, k) => `${String(k + 1).padStart(6, '0')}.jpg ${code}`).join('\n') + '\n',
  );
  return dir;
}

describe('celeba source', () => {
  test("keeps the study's 160x160 crop at 80x80", async () => {
    const dir = await celebaFolder();
    const dataset = await prepareDataset(`celeba:${dir}`, { storage: 'float32' });
    expect(dataset.images.shape).toEqual([6, 80, 80, 1]);
    expect(dataset.meta.crop).toEqual({ top: 29, left: 9, height: 160, width: 160 });

    // Image i is 30·i/255 inside the crop; the outside value (50) must not leak in beyond JPEG ringing.
    for (let i = 0; i < 6; i++) {
      const expected = (30 * (i + 1)) / 255;
      let sum = 0;
      let maxError = 0;
      for (let y = 0; y < 80; y++) {
        for (let x = 0; x < 80; x++) {
          const value = dataset.images.get(i, y, x, 0);
          sum += value;
          // Interior pixels, away from the crop border where JPEG blocks mix both values.
          if (y >= 4 && y < 76 && x >= 4 && x < 76) {
            maxError = Math.max(maxError, Math.abs(value - expected));
          }
        }
      }
      expect(maxError).toBeLessThan(2 / 255);
      expect(Math.abs(sum / 6400 - expected)).toBeLessThan(3 / 255);
    }
  });

  test('test partition selects its files', async () => {
    const dir = await celebaFolder();
    const dataset = await prepareDataset(`celeba:${dir}`, { partition: 'test', size: 40 });
    expect(dataset.meta.files).toEqual(['000005.jpg', '000006.jpg']);
    expect(dataset.images.shape).toEqual([2, 40, 40, 1]);
    expect(dataset.meta.partition).toBe('test');
  });

  test('folder of JPEGs without img_align_celeba is accepted', async () => {
    const dir = await celebaFolder();
    const dataset = await prepareDataset(`celeba:${path.join(dir, 'img_align_celeba')}`, { count: 3, size: 20 });
    expect(dataset.meta.files).toEqual(['000001.jpg', '000002.jpg', '000003.jpg']);
  });

  test('partition without its list is rejected', async () => {
    const dir = await celebaFolder();
    await expect(prepareDataset(`celeba:${path.join(dir, 'img_align_celeba')}`, { partition: 'train' })).rejects.toThrow(
      'list_eval_partition.txt", which was not found',
    );
  });

  test('missing partition file is named', async () => {
    const dir = await celebaFolder();
    await writeFile(path.join(dir, 'list_eval_partition.txt'), '000001.jpg 0\n000099.jpg 0\n');
    await expect(prepareDataset(`celeba:${dir}`, { partition: 'train' })).rejects.toThrow('first: 000099.jpg');
  });

  test('partition list without matching images is rejected', async () => {
    const dir = await celebaFolder();
    await writeFile(path.join(dir, 'list_eval_partition.txt'), '');
    await expect(prepareDataset(`celeba:${dir}`, { partition: 'valid' })).rejects.toThrow(
      'lists none of the images in',
    );
  });

  test('image smaller than the crop is named', async () => {
    const dir = await celebaFolder();
    await writeImage(path.join(dir, 'img_align_celeba', '000007.jpg'), pixels(100, 100, 3, () => 9), 100, 100, 3);
    await expect(prepareDataset(`celeba:${dir}`)).rejects.toThrow(
      `"${path.join(dir, 'img_align_celeba', '000007.jpg')}" (100x100 pixels) is smaller than the crop of 160x160`,
    );
  });
});
