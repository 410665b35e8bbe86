import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createImageBatch, imageBatchFromData } from './image-batch';
import { renderImageGrid, writeImageGrid } from './image-grid';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gahb-image-grid-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Decodes PNG bytes into 8-bit pixels in the PNG's stored channels. */
async function decodePng(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { channels } = await sharp(png).metadata();
  const { data, info } = await sharp(png)
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Returns the pixel at (x, y) as an array of its channel values. */
function pixelAt(image: { data: Buffer; width: number; channels: number }, x: number, y: number): number[] {
  const start = (y * image.width + x) * image.channels;
  return Array.from(image.data.subarray(start, start + image.channels));
}

const RED = [255, 0, 0];
const WHITE = [255, 255, 255];
const BLUE = [0, 0, 255];
const PADDING = [128, 128, 128];

describe('renderImageGrid', () => {
  test('tile positions and padding', async () => {
    // Five 2x3 gray images, image i filled with value (i + 1) / 10, in 2 columns with padding 1.
    const batch = createImageBatch(5, 2, 3, 1);
    for (let i = 0; i < 5; i++) batch.data.fill((i + 1) / 10, i * 6, (i + 1) * 6);

    const grid = await decodePng(await renderImageGrid(batch, { columns: 2, padding: 1 }));
    expect(grid.channels).toBe(1);
    // Width 2 * 3 + 3 * 1 = 9, height 3 rows * 2 + 4 * 1 = 10.
    expect([grid.width, grid.height]).toEqual([9, 10]);

    for (let i = 0; i < 5; i++) {
      const left = 1 + (i % 2) * 4;
      const top = 1 + Math.floor(i / 2) * 3;
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) {
          expect(pixelAt(grid, left + x, top + y)).toEqual([Math.round(((i + 1) / 10) * 255)]);
        }
      }
    }
    expect(pixelAt(grid, 0, 0)).toEqual([128]);
    expect(pixelAt(grid, 4, 1)).toEqual([128]);
    expect(pixelAt(grid, 1, 3)).toEqual([128]);
    // The unused sixth tile (row 2, column 1) is padding colour.
    expect(pixelAt(grid, 6, 8)).toEqual([128]);
  });

  test('default columns is ceil of sqrt', async () => {
    const batch = createImageBatch(5, 1, 1, 1);
    const grid = await decodePng(await renderImageGrid(batch, { padding: 0 }));
    // ceil(sqrt(5)) = 3 columns, 2 rows.
    expect([grid.width, grid.height]).toEqual([3, 2]);
  });

  test('columns above count shrink to count', async () => {
    const batch = createImageBatch(2, 1, 1, 1);
    const grid = await decodePng(await renderImageGrid(batch, { columns: 8, padding: 2 }));
    expect([grid.width, grid.height]).toEqual([2 + 3 * 2, 1 + 2 * 2]);
  });

  test('RGB tiles keep channels', async () => {
    const batch = imageBatchFromData(Float32Array.from([1, 0, 0, 0, 0, 1]), [2, 1, 1, 3]);
    const grid = await decodePng(await renderImageGrid(batch, { columns: 2, padding: 1 }));
    expect(grid.channels).toBe(3);
    expect(pixelAt(grid, 1, 1)).toEqual([255, 0, 0]);
    expect(pixelAt(grid, 3, 1)).toEqual([0, 0, 255]);
    expect(pixelAt(grid, 2, 1)).toEqual(PADDING);
  });

  test('scale applies inside tiles', async () => {
    const batch = imageBatchFromData(Float32Array.from([0, 1]), [2, 1, 1, 1]);
    const grid = await decodePng(await renderImageGrid(batch, { columns: 2, padding: 1, scale: 2 }));
    expect([grid.width, grid.height]).toEqual([2 * 2 + 3, 2 + 2]);
    expect([pixelAt(grid, 1, 1), pixelAt(grid, 2, 2)]).toEqual([[0], [0]]);
    expect([pixelAt(grid, 4, 1), pixelAt(grid, 5, 2)]).toEqual([[255], [255]]);
  });

  test('diverging symmetric colours', async () => {
    // Max |v| over the batch is 2, so -2 is red, -1 half red, 0 white, 1 half blue, 2 blue.
    const batch = imageBatchFromData(Float32Array.from([-2, -1, 0, 1, 2]), [1, 1, 5, 1]);
    const grid = await decodePng(await renderImageGrid(batch, { colormap: 'diverging', padding: 0 }));
    expect(grid.channels).toBe(3);
    expect(pixelAt(grid, 0, 0)).toEqual(RED);
    expect(pixelAt(grid, 1, 0)).toEqual([255, 128, 128]);
    expect(pixelAt(grid, 2, 0)).toEqual(WHITE);
    expect(pixelAt(grid, 3, 0)).toEqual([128, 128, 255]);
    expect(pixelAt(grid, 4, 0)).toEqual(BLUE);
  });

  test('diverging range per image', async () => {
    // Image 0 spans ±4, image 1 spans ±1: the value 1 is light in image 0 but full blue in image 1.
    const batch = imageBatchFromData(Float32Array.from([-4, 1, -1, 1]), [2, 1, 2, 1]);
    const perImage = await decodePng(await renderImageGrid(batch, { colormap: 'diverging', range: 'per-image-symmetric', columns: 2, padding: 0 }));
    expect(pixelAt(perImage, 0, 0)).toEqual(RED);
    expect(pixelAt(perImage, 1, 0)).toEqual([191, 191, 255]);
    expect(pixelAt(perImage, 2, 0)).toEqual(RED);
    expect(pixelAt(perImage, 3, 0)).toEqual(BLUE);

    const shared = await decodePng(await renderImageGrid(batch, { colormap: 'diverging', range: 'symmetric', columns: 2, padding: 0 }));
    expect(pixelAt(shared, 2, 0)).toEqual([255, 191, 191]);
    expect(pixelAt(shared, 3, 0)).toEqual([191, 191, 255]);
  });

  test('diverging explicit asymmetric range', async () => {
    // Range [-1, 4]: each side is scaled separately, and values beyond the ends are clipped.
    const batch = imageBatchFromData(Float32Array.from([-1, -3, 2, 8, Number.NaN]), [1, 1, 5, 1]);
    const grid = await decodePng(await renderImageGrid(batch, { colormap: 'diverging', range: [-1, 4], padding: 0 }));
    expect(pixelAt(grid, 0, 0)).toEqual(RED);
    expect(pixelAt(grid, 1, 0)).toEqual(RED);
    expect(pixelAt(grid, 2, 0)).toEqual([128, 128, 255]);
    expect(pixelAt(grid, 3, 0)).toEqual(BLUE);
    expect(pixelAt(grid, 4, 0)).toEqual(RED);
  });

  test('all-zero batch is white', async () => {
    const grid = await decodePng(await renderImageGrid(createImageBatch(1, 2, 2, 1), { colormap: 'diverging', padding: 0 }));
    expect(pixelAt(grid, 1, 1)).toEqual(WHITE);
  });

  test('gray symmetric range centres grey', async () => {
    const batch = imageBatchFromData(Float32Array.from([-0.5, 0, 0.5]), [1, 1, 3, 1]);
    const grid = await decodePng(await renderImageGrid(batch, { range: 'symmetric', padding: 0 }));
    expect(Array.from(grid.data)).toEqual([0, 128, 255]);
  });

  test('invalid options name fix', async () => {
    const gray = createImageBatch(2, 2, 2, 1);
    const rgb = createImageBatch(1, 2, 2, 3);
    await expect(renderImageGrid(gray, { columns: 0 })).rejects.toThrow('Image grid option columns 0 is invalid; use an integer >= 1.');
    await expect(renderImageGrid(gray, { padding: -1 })).rejects.toThrow('option padding -1 is invalid');
    await expect(renderImageGrid(gray, { scale: 1.5 })).rejects.toThrow('option scale 1.5 is invalid');
    await expect(renderImageGrid(gray, { range: [1, 0] })).rejects.toThrow('Value range [1, 0] is invalid');
    await expect(renderImageGrid(gray, { colormap: 'diverging', range: [0, 1] })).rejects.toThrow('use low < 0 < high');
    await expect(renderImageGrid(rgb, { colormap: 'diverging' })).rejects.toThrow("'diverging' colormap needs 1-channel images, got 3");
    await expect(renderImageGrid(gray, { colormap: 'jet' as 'gray' })).rejects.toThrow('Colormap "jet" is unknown');
    await expect(renderImageGrid(createImageBatch(0, 2, 2, 1))).rejects.toThrow('Cannot render an empty batch');
    await expect(renderImageGrid(createImageBatch(1, 2, 2, 2))).rejects.toThrow('Images with 2 channels cannot be written as PNG');
  });

  test('oversized grid names limit', async () => {
    const gray = createImageBatch(2, 4, 4, 1);
    // Scale 5000 gives 40003x20002 pixels, above sharp's limit, and is rejected before any allocation.
    await expect(renderImageGrid(gray, { scale: 5000 })).rejects.toThrow('Image grid of 40003x20002 pixels exceeds the PNG limit');
    await expect(renderImageGrid(gray, { padding: 1e7 })).rejects.toThrow('use a smaller scale or padding');
  });
});

describe('writeImageGrid', () => {
  test('writes PNG file', async () => {
    const path = join(folder, 'grid.png');
    await writeImageGrid(path, createImageBatch(4, 3, 3, 1), { padding: 2 });

    const metadata = await sharp(path).metadata();
    expect(metadata.format).toBe('png');
    expect([metadata.width, metadata.height]).toEqual([2 * 3 + 3 * 2, 2 * 3 + 3 * 2]);
    expect(await readdir(folder)).toEqual(['grid.png']);
  });
});
