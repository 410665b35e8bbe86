import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { spectrumPlot, writeEigenvectorGrid, writePlot } from './figures';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'gahb-figures-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Two 4x4 eigenvectors: row 0 is +1 at pixel 0 and −1 at pixel 15; row 1 is −0.5 everywhere. */
function eigenvectorPair(): Float64Array {
  const vectors = new Float64Array(32);
  vectors[0] = 1;
  vectors[15] = -1;
  vectors.fill(-0.5, 16, 32);
  return vectors;
}

describe('writeEigenvectorGrid', () => {
  test('PNG tiles use the diverging map', async () => {
    const file = path.join(directory, 'grid.png');

    await writeEigenvectorGrid(file, eigenvectorPair(), [1.25, 0.5], [0, 1], [4, 4, 1], { scale: 10, columns: 2 });

    // Layout: gap 6, label strip 18, cell width max(40, 90) = 90 with the 40-pixel tile centred (offset 25).
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    expect(info.width).toBe(2 * 90 + 3 * 6);
    expect(info.height).toBe(40 + 18 + 2 * 6);
    // Tile 0 starts at (31, 24): pixel 0 is +max (blue), pixel 15 is −max (red), pixel 1 is 0 (white).
    expect(pixel(31 + 5, 24 + 5)).toEqual([0, 0, 255]);
    expect(pixel(31 + 35, 24 + 35)).toEqual([255, 0, 0]);
    expect(pixel(31 + 15, 24 + 5)).toEqual([255, 255, 255]);
    // Tile 1 (constant −0.5) is red at its own symmetric limit.
    expect(pixel(31 + 96 + 5, 24 + 5)).toEqual([255, 0, 0]);
  });

  test('SVG carries the eigenvalue labels', async () => {
    const file = path.join(directory, 'grid.svg');

    await writeEigenvectorGrid(file, eigenvectorPair(), [1.2444, 0.5], [1, 0], [4, 4, 1]);

    const svg = await readFile(file, 'utf8');
    expect(svg).toContain('λ₁ = 0.500');
    expect(svg).toContain('λ₀ = 1.244');
    expect(svg.match(/<image /g)?.length).toBe(2);
  });

  test('rejects an index past the last eigenvector', async () => {
    await expect(writeEigenvectorGrid(path.join(directory, 'x.png'), eigenvectorPair(), [1, 2], [2], [4, 4, 1])).rejects.toThrow(
      'index 2 is invalid: use an integer in [0, 1]',
    );
  });
});

describe('spectrumPlot', () => {
  test('writes SVG and PNG', async () => {
    const svg = spectrumPlot({ eigenvalues: [1.2, 1, 0.5, 0.1], cleanCoefficients: [10, 3, 1, 0.2], title: 'sigma 0.15' });
    const svgFile = path.join(directory, 'spectrum.svg');
    const pngFile = path.join(directory, 'spectrum.png');

    await writePlot(svgFile, svg);
    await writePlot(pngFile, svg);

    expect(await readFile(svgFile, 'utf8')).toContain('sigma 0.15');
    expect((await sharp(pngFile).metadata()).format).toBe('png');
  });

  test('writePlot rejects an unknown extension', async () => {
    await expect(writePlot(path.join(directory, 'plot.jpg'), '<svg/>')).rejects.toThrow('use .svg or .png');
  });
});
