import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { imageBatchFromData } from './image-batch';
import { decodeImage, writePng } from './image-io';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gahb-image-io-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Returns 8-bit RGB pixels of a width x height image whose values depend on x, y and channel. */
function rgbPixels(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        pixels[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53) % 256;
      }
    }
  }
  return pixels;
}

/** Returns a smooth 8-bit RGB image, which JPEG compresses with small errors. */
function smoothPixels(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pixels[(y * width + x) * 3] = Math.round((255 * x) / (width - 1));
      pixels[(y * width + x) * 3 + 1] = Math.round((255 * y) / (height - 1));
      pixels[(y * width + x) * 3 + 2] = 128;
    }
  }
  return pixels;
}

/** Reads a PNG's 8-bit pixels in its stored channels (sharp's raw output alone converts to sRGB). */
async function readPng(path: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { channels } = await sharp(path).metadata();
  const { data, info } = await sharp(path)
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

describe('decodeImage', () => {
  test('8-bit RGB PNG exact', async () => {
    const pixels = rgbPixels(7, 5);
    const path = join(folder, 'rgb.png');
    await sharp(pixels, { raw: { width: 7, height: 5, channels: 3 } }).png().toFile(path);

    const image = await decodeImage(path);
    expect([image.height, image.width, image.channels]).toEqual([5, 7, 3]);
    expect(Array.from(image.data)).toEqual(Array.from(pixels, (v) => Math.fround(v / 255)));
  });

  test('path and bytes agree', async () => {
    const png = await sharp(rgbPixels(4, 3), { raw: { width: 4, height: 3, channels: 3 } }).png().toBuffer();
    const path = join(folder, 'same.png');
    await writeFile(path, png);

    const fromPath = await decodeImage(path, { channels: 1 });
    const fromBytes = await decodeImage(toBytes(png), { channels: 1 });
    expect(Array.from(fromBytes.data)).toEqual(Array.from(fromPath.data));
  });

  test('grayscale is plain RGB mean', async () => {
    const pixels = rgbPixels(6, 4);
    const png = await sharp(pixels, { raw: { width: 6, height: 4, channels: 3 } }).png().toBuffer();

    const image = await decodeImage(toBytes(png), { channels: 1 });
    expect(image.channels).toBe(1);
    const expected = Array.from({ length: 24 }, (_, i) => Math.fround((pixels[3 * i] + pixels[3 * i + 1] + pixels[3 * i + 2]) / 765));
    expect(Array.from(image.data)).toEqual(expected);
    // Luma (0.299 R + 0.587 G + 0.114 B) differs from the mean for pixel 1 = (37, 90, 143).
    expect(image.data[1]).toBeCloseTo(270 / 765, 6);
  });

  test('gray PNG defaults to one channel', async () => {
    const gray = Uint8Array.from({ length: 12 }, (_, i) => i * 21);
    const png = await sharp(gray, { raw: { width: 4, height: 3, channels: 1 } }).toColourspace('b-w').png().toBuffer();

    const image = await decodeImage(toBytes(png));
    expect(image.channels).toBe(1);
    expect(Array.from(image.data)).toEqual(Array.from(gray, (v) => Math.fround(v / 255)));

    const rgb = await decodeImage(toBytes(png), { channels: 3 });
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data.subarray(3, 6))).toEqual([21, 21, 21].map((v) => Math.fround(v / 255)));
  });

  test('16-bit PNG scaled by 65535', async () => {
    const values = Uint16Array.from([0, 1, 257, 65535, 1000, 40000, 12345, 2, 3, 30000, 5, 6]);
    const png = await sharp(values, { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');

    const image = await decodeImage(toBytes(png), { channels: 3 });
    expect(Array.from(image.data)).toEqual(Array.from(values, (v) => Math.fround(v / 65535)));

    const gray16 = Uint16Array.from([0, 65535, 300, 30001]);
    const grayPng = await sharp(gray16, { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const grayImage = await decodeImage(toBytes(grayPng));
    expect(grayImage.channels).toBe(1);
    expect(Array.from(grayImage.data)).toEqual(Array.from(gray16, (v) => Math.fround(v / 65535)));
  });

  test('alpha dropped without compositing', async () => {
    const rgba = Uint8Array.from([10, 20, 30, 0, 200, 100, 50, 128]);
    const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();

    const image = await decodeImage(toBytes(png));
    expect(image.channels).toBe(3);
    expect(Array.from(image.data)).toEqual([10, 20, 30, 200, 100, 50].map((v) => Math.fround(v / 255)));
  });

  test('JPEG within 4/255', async () => {
    const pixels = smoothPixels(32, 24);
    const path = join(folder, 'smooth.jpg');
    await sharp(pixels, { raw: { width: 32, height: 24, channels: 3 } }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toFile(path);

    const image = await decodeImage(path);
    expect([image.height, image.width, image.channels]).toEqual([24, 32, 3]);
    let maxError = 0;
    for (let i = 0; i < pixels.length; i++) maxError = Math.max(maxError, Math.abs(image.data[i] - pixels[i] / 255));
    // Tolerance: JPEG at quality 95 without chroma subsampling changes a smooth image by at most 4 levels.
    expect(maxError).toBeLessThanOrEqual(4 / 255);
  });

  test('lossless WebP exact', async () => {
    const pixels = rgbPixels(5, 5);
    const path = join(folder, 'image.webp');
    await sharp(pixels, { raw: { width: 5, height: 5, channels: 3 } }).webp({ lossless: true }).toFile(path);

    const image = await decodeImage(path);
    expect(image.channels).toBe(3);
    expect(Array.from(image.data)).toEqual(Array.from(pixels, (v) => Math.fround(v / 255)));
  });

  test('corrupt file names path', async () => {
    const path = join(folder, 'corrupt.png');
    await writeFile(path, 'this is not an image');
    await expect(decodeImage(path)).rejects.toThrow(`Cannot decode image "${path}"`);
  });

  test('truncated PNG names path', async () => {
    const png = await sharp(rgbPixels(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    const path = join(folder, 'truncated.png');
    await writeFile(path, png.subarray(0, png.length / 2));
    await expect(decodeImage(path)).rejects.toThrow(`Cannot decode image "${path}"`);
  });

  test('missing file names path', async () => {
    const path = join(folder, 'absent.png');
    await expect(decodeImage(path)).rejects.toThrow(`Cannot read image "${path}": ENOENT`);
  });

  test('rewritten file decodes new pixels', async () => {
    const path = join(folder, 'rewritten.png');
    await sharp(Uint8Array.from([10, 20]), { raw: { width: 2, height: 1, channels: 1 } }).toColourspace('b-w').png().toFile(path);
    expect(Array.from((await decodeImage(path)).data)).toEqual([10, 20].map((v) => Math.fround(v / 255)));

    await sharp(Uint8Array.from([30, 40]), { raw: { width: 2, height: 1, channels: 1 } }).toColourspace('b-w').png().toFile(path);
    expect(Array.from((await decodeImage(path)).data)).toEqual([30, 40].map((v) => Math.fround(v / 255)));
  });

  test('corrupt bytes give length', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3]))).rejects.toThrow('Cannot decode image of 3 bytes');
  });

  test('invalid channels option', async () => {
    await expect(decodeImage(join(folder, 'x.png'), { channels: 2 as 1 })).rejects.toThrow('channels 2 is invalid; use 1 (grayscale) or 3 (RGB)');
  });
});

describe('writePng', () => {
  test('gray image clipped and rounded', async () => {
    const values = Float32Array.from([-0.5, 0, 0.25, 0.5, 1, 1.7, 0.002, 0.998]);
    const batch = imageBatchFromData(values, [1, 2, 4, 1]);
    const path = join(folder, 'gray.png');
    await writePng(path, batch);

    const { data, width, height, channels } = await readPng(path);
    expect([width, height, channels]).toEqual([4, 2, 1]);
    expect(Array.from(data)).toEqual([0, 0, 64, 128, 255, 255, 1, 254]);
  });

  test('selects image by index', async () => {
    const values = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    const batch = imageBatchFromData(values, [3, 1, 2, 1]);
    const path = join(folder, 'second.png');
    await writePng(path, batch, 1);

    const { data } = await readPng(path);
    expect(Array.from(data)).toEqual([Math.round(0.3 * 255), Math.round(0.4 * 255)]);
    await expect(writePng(path, batch, 3)).rejects.toThrow('Image index 3 is invalid for a batch of 3 images');
  });

  test('RGB round trip through decodeImage', async () => {
    const pixels = rgbPixels(3, 2);
    const batch = imageBatchFromData(Float32Array.from(pixels, (v) => v / 255), [1, 2, 3, 3]);
    const path = join(folder, 'rgb.png');
    await writePng(path, batch);

    const image = await decodeImage(path);
    expect(image.channels).toBe(3);
    expect(Array.from(image.data)).toEqual(Array.from(batch.data));
  });

  test('scale repeats pixels', async () => {
    const batch = imageBatchFromData(Float32Array.from([0, 1, 1, 0]), [1, 2, 2, 1]);
    const path = join(folder, 'scaled.png');
    await writePng(path, batch, 0, { scale: 3 });

    const { data, width, height } = await readPng(path);
    expect([width, height]).toEqual([6, 6]);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) {
        const expected = (Math.floor(y / 3) + Math.floor(x / 3)) % 2 === 1 ? 255 : 0;
        expect(data[y * 6 + x]).toBe(expected);
      }
    }
  });

  test('explicit range maps ends', async () => {
    const batch = imageBatchFromData(Float32Array.from([-2, 0, 2, 3]), [1, 1, 4, 1]);
    const path = join(folder, 'range.png');
    await writePng(path, batch, 0, { range: [-2, 2] });

    const { data } = await readPng(path);
    expect(Array.from(data)).toEqual([0, 128, 255, 255]);
  });
});
