import { areaWeights, centerSquare, cropPixels, preprocessImage, resizeArea, toGrayscale, type Pixels } from './preprocess';

/** Returns a one-channel image whose pixel (y, x) is `value(y, x)`. */
function grayImage(height: number, width: number, value: (y: number, x: number) => number): Pixels {
  const data = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = value(y, x);
    }
  }
  return { data, height, width, channels: 1 };
}

describe('toGrayscale', () => {
  const rgb: Pixels = { data: Float32Array.from([0.9, 0.3, 0.0, 0.2, 0.4, 0.6]), height: 1, width: 2, channels: 3 };

  test('mean averages R, G and B', () => {
    const gray = toGrayscale(rgb, 'mean');
    expect(gray.channels).toBe(1);
    expect(gray.data[0]).toBeCloseTo(0.4, 6);
    expect(gray.data[1]).toBeCloseTo(0.4, 6);
  });

  test('bt601 uses luma weights', () => {
    const gray = toGrayscale(rgb, 'bt601');
    expect(gray.data[0]).toBeCloseTo(0.299 * 0.9 + 0.587 * 0.3, 6);
    expect(gray.data[1]).toBeCloseTo(0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, 6);
  });
});

describe('centerSquare', () => {
  test('portrait image keeps the middle rows', () => {
    expect(centerSquare(218, 178)).toEqual({ top: 20, left: 0, height: 178, width: 178 });
  });

  test('landscape image keeps the middle columns', () => {
    expect(centerSquare(4, 7)).toEqual({ top: 0, left: 1, height: 4, width: 4 });
  });
});

describe('cropPixels', () => {
  test('copies the rectangle', () => {
    const image = grayImage(4, 5, (y, x) => 10 * y + x);
    const cropped = cropPixels(image, { top: 1, left: 2, height: 2, width: 3 });
    expect(Array.from(cropped.data)).toEqual([12, 13, 14, 22, 23, 24]);
  });

  test('zero-sized rectangle is invalid', () => {
    const image = grayImage(4, 5, () => 0);
    expect(() => cropPixels(image, { top: 0, left: 0, height: 0, width: 0 }, 'small.png')).toThrow(
      'Crop {"top":0,"left":0,"height":0,"width":0} is invalid',
    );
  });

  test('rectangle outside the image names the image', () => {
    const image = grayImage(4, 5, () => 0);
    expect(() => cropPixels(image, { top: 2, left: 0, height: 3, width: 5 }, 'small.png')).toThrow(
      'small.png (5x4 pixels) is smaller than the crop of 5x3 at row 2',
    );
  });
});

describe('areaWeights', () => {
  test('factor 1.5 splits the middle sample', () => {
    const { start, weights } = areaWeights(3, 2);
    expect(Array.from(start)).toEqual([0, 1]);
    expect(Array.from(weights[0])).toEqual([1 / 1.5, 0.5 / 1.5].map(Math.fround));
    expect(Array.from(weights[1])).toEqual([0.5 / 1.5, 1 / 1.5].map(Math.fround));
  });

  test('weights of each output sum to one', () => {
    const { weights } = areaWeights(218, 80);
    for (const row of weights) {
      expect(row.reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(1, 5);
    }
  });
});

describe('resizeArea', () => {
  test('factor 2 averages 2x2 blocks', () => {
    const image = grayImage(4, 4, (y, x) => 4 * y + x);
    const resized = resizeArea(image, 2, 2);
    // Block means: (0 + 1 + 4 + 5) / 4 = 2.5, (2 + 3 + 6 + 7) / 4 = 4.5, then 10.5 and 12.5.
    expect(Array.from(resized.data)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  test('factor 1.5 weights partial pixels by overlap', () => {
    const image = grayImage(3, 3, (y, x) => [[1, 2, 4], [8, 16, 32], [64, 128, 256]][y][x]);
    const resized = resizeArea(image, 2, 2);
    // Output (0, 0) covers [0, 1.5) x [0, 1.5): weights 1, 0.5 per axis, divided by 1.5² = 2.25.
    const expected00 = (1 * 1 + 2 * 0.5 + 8 * 0.5 + 16 * 0.25) / 2.25;
    const expected11 = (16 * 0.25 + 32 * 0.5 + 128 * 0.5 + 256 * 1) / 2.25;
    // Float32 arithmetic: relative error below 1e-6.
    expect(Math.abs(resized.data[0] - expected00) / expected00).toBeLessThan(1e-6);
    expect(Math.abs(resized.data[3] - expected11) / expected11).toBeLessThan(1e-6);
  });

  test('mean intensity is preserved', () => {
    const image = grayImage(218, 178, (y, x) => Math.sin(y / 7) * Math.cos(x / 5));
    const resized = resizeArea(image, 80, 80);
    const meanIn = image.data.reduce((sum, value) => sum + value, 0) / image.data.length;
    const meanOut = resized.data.reduce((sum, value) => sum + value, 0) / resized.data.length;
    expect(meanOut).toBeCloseTo(meanIn, 4);
  });

  test('channels are resized independently', () => {
    const data = new Float32Array(2 * 2 * 3);
    for (let p = 0; p < 4; p++) {
      data.set([p, 10 * p, 100 * p], 3 * p);
    }
    const resized = resizeArea({ data, height: 2, width: 2, channels: 3 }, 1, 1);
    expect(Array.from(resized.data)).toEqual([1.5, 15, 150]);
  });
});

describe('preprocessImage', () => {
  test('centre crop then downsample by hand', () => {
    // 4 rows x 6 columns: the centre square is columns 1..4; factor 2 averages 2x2 blocks.
    const image = grayImage(4, 6, (y, x) => y * 6 + x);
    const result = preprocessImage(image, { size: 2, channels: 1 });
    expect(Array.from(result.data)).toEqual([
      (1 + 2 + 7 + 8) / 4,
      (3 + 4 + 9 + 10) / 4,
      (13 + 14 + 19 + 20) / 4,
      (15 + 16 + 21 + 22) / 4,
    ]);
  });

  test('grayscale input with 3 channels requested is rejected', () => {
    const image = grayImage(4, 4, () => 0.5);
    expect(() => preprocessImage(image, { size: 2, channels: 3 }, 'gray.png')).toThrow('gray.png is a grayscale image');
  });

  test('crop smaller than the output size is rejected', () => {
    const image = grayImage(10, 12, () => 0.5);
    expect(() => preprocessImage(image, { size: 16, channels: 1 }, 'tiny.png')).toThrow(
      'tiny.png: the cropped region (10x10 pixels) is smaller than the output size 16x16',
    );
  });
});
