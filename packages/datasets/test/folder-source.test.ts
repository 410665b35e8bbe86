import { readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareDataset } from '../src';
import { makeTempDir, pixels, removeTempDirs, writeCorruptImage, writeImage } from './image-fixtures';

afterAll(removeTempDirs);

/** Gray 8x6 test pattern: value (y · 8 + x) · 5 on 0..255. */
const pattern = (y: number, x: number) => (y * 8 + x) * 5;

describe('folder source', () => {
  test('loads PNG, JPEG and WebP in sorted order', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'b.png'), pixels(6, 8, 1, pattern), 6, 8, 1);
    await writeImage(path.join(dir, 'a', 'z.webp'), pixels(6, 6, 3, () => 90), 6, 6, 3);
    await writeImage(path.join(dir, 'c.jpg'), pixels(16, 16, 3, () => 200), 16, 16, 3);
    await writeFile(path.join(dir, 'notes.txt'), 'not an image');

    const dataset = await prepareDataset(`folder:${dir}`, { size: 3, storage: 'float32' });
    expect(dataset.images.shape).toEqual([3, 3, 3, 1]);
    expect(dataset.meta.files).toEqual(['a/z.webp', 'b.png', 'c.jpg']);
    expect(dataset.source).toBe(`folder:${dir}`);
  });

  test('centre crop and 2x2 area average match a hand computation', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'pattern.png'), pixels(6, 8, 1, pattern), 6, 8, 1);

    const dataset = await prepareDataset(`folder:${dir}`, { size: 3, storage: 'float32' });
    // The centre square of the 8x6 image is columns 1..6; output (i, j) averages rows 2i, 2i+1 and
    // columns 1 + 2j, 2 + 2j.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const expected =
          (pattern(2 * i, 1 + 2 * j) + pattern(2 * i, 2 + 2 * j) + pattern(2 * i + 1, 1 + 2 * j) + pattern(2 * i + 1, 2 + 2 * j)) / 4 / 255;
        expect(Math.abs(dataset.images.get(0, i, j, 0) - expected)).toBeLessThan(1e-6);
      }
    }
  });

  test('grayscale of colour is the mean of R, G and B', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'colour.webp'), pixels(4, 4, 3, (_y, _x, c) => [240, 120, 30][c]), 4, 4, 3);

    const mean = await prepareDataset(`folder:${dir}`, { size: 2, storage: 'float32' });
    expect(Math.abs(mean.images.data[0] - 130 / 255)).toBeLessThan(1e-6);

    const luma = await prepareDataset(`folder:${dir}`, { size: 2, storage: 'float32', grayscale: 'bt601' });
    expect(Math.abs(luma.images.data[0] - (0.299 * 240 + 0.587 * 120 + 0.114 * 30) / 255)).toBeLessThan(1e-6);
  });

  test('RGB output keeps the channels', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'colour.png'), pixels(4, 4, 3, (_y, _x, c) => [240, 120, 30][c]), 4, 4, 3);
    const dataset = await prepareDataset(`folder:${dir}`, { size: 2, channels: 3, storage: 'float32' });
    expect(dataset.images.shape).toEqual([1, 2, 2, 3]);
    expect(Array.from(dataset.images.data.subarray(0, 3))).toEqual([240 / 255, 120 / 255, 30 / 255].map(Math.fround));
  });

  test('JPEG decodes close to its source', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'smooth.jpg'), pixels(32, 32, 3, (y, x) => 60 + 4 * x + y), 32, 32, 3);
    const dataset = await prepareDataset(`folder:${dir}`, { size: 16, storage: 'float32' });
    // Quality 100 without chroma subsampling: within 3/255 per averaged pixel.
    const expected = (y: number, x: number) => (60 + 4 * (2 * x + 0.5) + (2 * y + 0.5)) / 255;
    let maxError = 0;
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        maxError = Math.max(maxError, Math.abs(dataset.images.get(0, y, x, 0) - expected(y, x)));
      }
    }
    expect(maxError).toBeLessThan(3 / 255);
  });

  test('uint8 storage rounds to multiples of 1/255', async () => {
    const dir = await makeTempDir();
    await writeImage(path.join(dir, 'pattern.png'), pixels(6, 8, 1, (y, x) => y + x), 6, 8, 1);
    const dataset = await prepareDataset(`folder:${dir}`, { size: 3 });
    for (const value of dataset.images.data) {
      expect(Math.abs(value * 255 - Math.round(value * 255))).toBeLessThan(1e-4);
    }
  });

  test('symbolic links to images are loaded', async () => {
    const dir = await makeTempDir();
    const elsewhere = await makeTempDir();
    await writeImage(path.join(elsewhere, 'target.png'), pixels(4, 4, 1, () => 51), 4, 4, 1);
    await writeImage(path.join(dir, 'a.png'), pixels(4, 4, 1, () => 10), 4, 4, 1);
    await symlink(path.join(elsewhere, 'target.png'), path.join(dir, 'b.png'));
    const dataset = await prepareDataset(`folder:${dir}`, { size: 2 });
    expect(dataset.meta.files).toEqual(['a.png', 'b.png']);
    expect(dataset.images.get(1, 0, 0, 0)).toBeCloseTo(51 / 255, 6);
  });

  test('count keeps the first files', async () => {
    const dir = await makeTempDir();
    for (const name of ['c.png', 'a.png', 'b.png']) {
      await writeImage(path.join(dir, name), pixels(4, 4, 1, () => 10), 4, 4, 1);
    }
    const dataset = await prepareDataset(`folder:${dir}`, { size: 2, count: 2 });
    expect(dataset.meta.files).toEqual(['a.png', 'b.png']);
  });

  test('dedupe removes a near-copy and its file name', async () => {
    const dir = await makeTempDir();
    const texture = (shift: number) => (y: number, x: number) => (37 * x + 91 * y + ((x * y) % 17) * 11 + shift) % 256;
    await writeImage(path.join(dir, 'a.png'), pixels(40, 40, 1, texture(0)), 40, 40, 1);
    await writeImage(path.join(dir, 'b.png'), pixels(40, 40, 1, (y, x) => (x * x + 3 * y * y) % 256), 40, 40, 1);
    // c.png is a.png darkened, so its mean-removed cosine with a.png is 1.
    await writeImage(path.join(dir, 'c.png'), pixels(40, 40, 1, (y, x) => Math.floor(texture(0)(y, x) / 2)), 40, 40, 1);

    const dataset = await prepareDataset(`folder:${dir}`, { size: 40, dedupe: true });
    expect(dataset.images.shape[0]).toBe(2);
    expect(dataset.meta.files).toEqual(['a.png', 'b.png']);
    const record = dataset.meta.dedupe as { removed: number; removedIndices: number[]; duplicateOf: number[] };
    expect(record.removed).toBe(1);
    expect(record.removedIndices).toEqual([2]);
    expect(record.duplicateOf).toEqual([0]);
  });

  describe('bad input', () => {
    test('corrupt file is named in the error', async () => {
      const dir = await makeTempDir();
      await writeImage(path.join(dir, 'good.png'), pixels(4, 4, 1, () => 10), 4, 4, 1);
      await writeCorruptImage(path.join(dir, 'broken.png'));
      await expect(prepareDataset(`folder:${dir}`, { size: 2 })).rejects.toThrow(path.join(dir, 'broken.png'));
    });

    test('truncated JPEG is named in the error', async () => {
      const dir = await makeTempDir();
      const whole = path.join(dir, 'whole.jpg');
      await writeImage(whole, pixels(64, 64, 3, (y, x, c) => (x * 7 + y * 3 + c * 50) % 256), 64, 64, 3);
      const bytes = await readFile(whole);
      await writeFile(path.join(dir, 'cut.jpg'), bytes.subarray(0, Math.floor(bytes.length / 2)));
      await expect(prepareDataset(`folder:${dir}`, { size: 8 })).rejects.toThrow(path.join(dir, 'cut.jpg'));
    });

    test('bad files are skipped with skipBadFiles', async () => {
      const dir = await makeTempDir();
      await writeImage(path.join(dir, 'good.png'), pixels(4, 4, 1, () => 10), 4, 4, 1);
      await writeCorruptImage(path.join(dir, 'broken.png'));
      await writeImage(path.join(dir, 'small.png'), pixels(1, 1, 1, () => 10), 1, 1, 1);
      const dataset = await prepareDataset(`folder:${dir}`, { size: 2, skipBadFiles: true });
      expect(dataset.images.shape[0]).toBe(1);
      expect(dataset.meta.files).toEqual(['good.png']);
      expect(dataset.meta.skippedFiles).toEqual([path.join(dir, 'broken.png'), path.join(dir, 'small.png')]);
    });

    test('folder without images is rejected', async () => {
      const dir = await makeTempDir();
      await writeFile(path.join(dir, 'readme.txt'), 'no images here');
      await expect(prepareDataset(`folder:${dir}`)).rejects.toThrow('contains no PNG, JPEG or WebP files');
    });

    test('missing folder is rejected', async () => {
      const dir = await makeTempDir();
      await expect(prepareDataset(`folder:${path.join(dir, 'absent')}`)).rejects.toThrow('was not found');
    });

    test('image smaller than the output size is named', async () => {
      const dir = await makeTempDir();
      await writeImage(path.join(dir, 'tiny.png'), pixels(10, 12, 1, () => 10), 10, 12, 1);
      await expect(prepareDataset(`folder:${dir}`, { size: 16 })).rejects.toThrow(
        `Image "${path.join(dir, 'tiny.png')}": the cropped region (10x10 pixels) is smaller than the output size 16x16`,
      );
    });

    test('grayscale file among colour files fails for RGB output', async () => {
      const dir = await makeTempDir();
      await writeImage(path.join(dir, 'colour.png'), pixels(4, 4, 3, () => 10), 4, 4, 3);
      await writeImage(path.join(dir, 'gray.png'), pixels(4, 4, 1, () => 10), 4, 4, 1);
      await expect(prepareDataset(`folder:${dir}`, { size: 2, channels: 3 })).rejects.toThrow(
        `Image "${path.join(dir, 'gray.png')}" is a grayscale image but 3 channels were requested`,
      );
      const gray = await prepareDataset(`folder:${dir}`, { size: 2, channels: 1 });
      expect(gray.images.shape[0]).toBe(2);
    });

    test('failed run writes no cache', async () => {
      const dir = await makeTempDir();
      const cacheDir = path.join(await makeTempDir(), 'cache');
      await writeImage(path.join(dir, 'good.png'), pixels(4, 4, 1, () => 10), 4, 4, 1);
      await writeCorruptImage(path.join(dir, 'broken.png'));
      await expect(prepareDataset(`folder:${dir}`, { size: 2, cacheDir })).rejects.toThrow('broken.png');
      const entries = await readdir(cacheDir).catch(() => []);
      expect(entries).toEqual([]);
    });
  });
});
