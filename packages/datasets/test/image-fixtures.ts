/** Helpers that write real image files with sharp for the source tests. */

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const tempDirs: string[] = [];

/** Creates a fresh temporary folder, removed by {@link removeTempDirs}. */
export async function makeTempDir(prefix = 'gahb-datasets-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes the folders made by {@link makeTempDir}; call it in afterAll. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** 8-bit pixels [height, width, channels] with value(y, x, c) in 0..255. */
export function pixels(height: number, width: number, channels: 1 | 3, value: (y: number, x: number, c: number) => number): Uint8Array {
  const data = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = value(y, x, c);
      }
    }
  }
  return data;
}

/** Writes `data` as an image file; the format follows the extension (.png, .jpg, .webp; WebP is lossless). */
export async function writeImage(file: string, data: Uint8Array, height: number, width: number, channels: 1 | 3): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // sharp would store one raw channel as RGB; 'b-w' keeps the file single-channel.
  let image = sharp(Buffer.from(data), { raw: { width, height, channels } });
  if (channels === 1) {
    image = image.toColourspace('b-w');
  }
  const extension = path.extname(file).toLowerCase();
  if (extension === '.png') {
    await image.png().toFile(file);
  } else if (extension === '.jpg' || extension === '.jpeg') {
    await image.jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(file);
  } else if (extension === '.webp') {
    await image.webp({ lossless: true }).toFile(file);
  } else {
    throw new Error(`writeImage: unsupported extension ${extension}`);
  }
}

/** Writes bytes that are not an image under an image name. */
export async function writeCorruptImage(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.from('this is not an image, only text with an image extension'));
}
