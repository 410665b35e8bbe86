import { RandomStream, imageBatchFromData } from '@gahb/core';
import { inpainting, measureImages, randomBasis, randomPixels, spectralSuperResolution, superResolution, type MeasurementOperator } from '..';

function randomVector(length: number, seed: number): Float32Array {
  return RandomStream.fromSeed(seed, 'operator-test').fillNormal(new Float32Array(length));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

const cases: Array<[string, () => MeasurementOperator]> = [
  ['inpainting', () => inpainting([8, 6, 2], { top: 2, left: 1, height: 3, width: 4 })],
  ['randomPixels', () => randomPixels([8, 6, 2], { fraction: 0.3, seed: 4 })],
  ['superResolution', () => superResolution([8, 6, 2], { factor: 2 })],
  ['randomBasis', () => randomBasis([8, 6, 2], { fraction: 0.25, seed: 4 })],
  ['spectralSuperResolution', () => spectralSuperResolution([8, 6, 2], { fraction: 0.2 })],
  ['spectralSuperResolution odd size', () => spectralSuperResolution([7, 5, 1], { fraction: 0.3 })],
  ['spectralSuperResolution all frequencies', () => spectralSuperResolution([4, 4, 1], { fraction: 1 })],
];

describe.each(cases)('%s operator', (_, create) => {
  const operator = create();
  const imageSize = operator.imageShape[0] * operator.imageShape[1] * operator.imageShape[2];

  test('measurement size matches its shape', () => {
    expect(operator.measurementShape.reduce((product, size) => product * size, 1)).toBe(operator.measurementSize);
    expect(operator.forward(randomVector(imageSize, 1)).length).toBe(operator.measurementSize);
  });

  test('adjoint satisfies <Mᵀx, c> = <x, Mc>', () => {
    const x = randomVector(imageSize, 2);
    const c = randomVector(operator.measurementSize, 3);
    const left = dot(operator.forward(x), c);
    const right = dot(x, operator.adjoint(c));
    // Float32 rounding of sums of about 100 terms of size 1.
    expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.sqrt(imageSize));
  });

  test('MᵀM is the identity', () => {
    const c = randomVector(operator.measurementSize, 5);
    const roundTrip = operator.forward(operator.adjoint(c));
    for (let k = 0; k < c.length; k++) {
      expect(Math.abs(roundTrip[k] - c[k])).toBeLessThan(1e-5);
    }
  });

  test('rejects input of wrong length', () => {
    expect(() => operator.forward(new Float32Array(imageSize + 1))).toThrow(/image has \d+ values; expected \d+/);
  });
});

describe('measurement operators', () => {
  test('inpainting measures pixels outside the hole', () => {
    const operator = inpainting([4, 4, 1], { top: 1, left: 1, height: 2, width: 2 });
    const image = Float32Array.from({ length: 16 }, (_, k) => k);
    expect(Array.from(operator.forward(image))).toEqual([0, 1, 2, 3, 4, 7, 8, 11, 12, 13, 14, 15]);
  });

  test('randomPixels keeps floor(p·pixels) positions per seed', () => {
    const first = randomPixels([10, 10, 3], { fraction: 0.25, seed: 9 });
    const again = randomPixels([10, 10, 3], { fraction: 0.25, seed: 9 });
    const other = randomPixels([10, 10, 3], { fraction: 0.25, seed: 10 });
    expect(first.measurementSize).toBe(25 * 3);
    const image = randomVector(300, 7);
    expect(Array.from(again.forward(image))).toEqual(Array.from(first.forward(image)));
    expect(Array.from(other.forward(image))).not.toEqual(Array.from(first.forward(image)));
  });

  test('superResolution measures block sums over factor', () => {
    const operator = superResolution([4, 4, 1], { factor: 2 });
    const image = Float32Array.from({ length: 16 }, (_, k) => k);
    // Block sums 0+1+4+5 = 10, 2+3+6+7 = 18, 8+9+12+13 = 42, 10+11+14+15 = 50, divided by s = 2.
    expect(Array.from(operator.forward(image))).toEqual([5, 9, 21, 25]);
    expect(Array.from(operator.adjoint(Float32Array.from([2, 0, 0, 0])))).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('spectralSuperResolution projection equals the DFT low-pass', () => {
    const [height, width] = [8, 6];
    const operator = spectralSuperResolution([height, width, 1], { fraction: 0.2 });
    const image = randomVector(height * width, 11);
    const projected = operator.adjoint(operator.forward(image));

    // Reference: the full DFT by its definition, zero the frequencies outside the kept block, inverse DFT.
    const rowLimit = Math.round((height * Math.sqrt(0.2) - 1) / 2);
    const keptRows = Array.from({ length: height }, (_, u) => u).filter((u) => Math.min(u, height - u) <= rowLimit);
    const columnLimit = Math.round(((0.2 * height * width) / keptRows.length - 1) / 2);
    const isKept = (u: number, v: number): boolean => Math.min(u, height - u) <= rowLimit && Math.min(v, width - v) <= columnLimit;
    const spectrumRe = new Float64Array(height * width);
    const spectrumIm = new Float64Array(height * width);
    for (let u = 0; u < height; u++) {
      for (let v = 0; v < width; v++) {
        for (let a = 0; a < height; a++) {
          for (let b = 0; b < width; b++) {
            const angle = -2 * Math.PI * ((u * a) / height + (v * b) / width);
            spectrumRe[u * width + v] += image[a * width + b] * Math.cos(angle);
            spectrumIm[u * width + v] += image[a * width + b] * Math.sin(angle);
          }
        }
      }
    }
    expect(operator.measurementSize).toBe(keptRows.length * Array.from({ length: width }, (_, v) => v).filter((v) => isKept(0, v)).length);
    for (let a = 0; a < height; a++) {
      for (let b = 0; b < width; b++) {
        let value = 0;
        for (let u = 0; u < height; u++) {
          for (let v = 0; v < width; v++) {
            if (isKept(u, v)) {
              const angle = 2 * Math.PI * ((u * a) / height + (v * b) / width);
              value += spectrumRe[u * width + v] * Math.cos(angle) - spectrumIm[u * width + v] * Math.sin(angle);
            }
          }
        }
        expect(projected[a * width + b]).toBeCloseTo(value / (height * width), 5);
      }
    }
  });

  test('measureImages measures each image', () => {
    const operator = superResolution([2, 2, 1], { factor: 2 });
    const images = imageBatchFromData(Float32Array.from([1, 1, 1, 1, 0, 2, 2, 0]), [2, 2, 2, 1]);
    expect(Array.from(measureImages(operator, images))).toEqual([2, 2]);
    expect(() => measureImages(operator, imageBatchFromData(new Float32Array(9), [1, 3, 3, 1]))).toThrow(
      /images have shape \[3, 3, 1\] but the operator measures \[2, 2, 1\] images/,
    );
  });

  test.each([
    [() => inpainting([4, 4, 1], { top: 3, left: 0, height: 2, width: 2 }), /hole rows \[3, 5\) and columns \[0, 2\) are invalid for 4x4 images/],
    [() => inpainting([4, 4, 1], { top: 0, left: 0, height: 4, width: 4 }), /covers the whole image/],
    [() => randomPixels([4, 4, 1], { fraction: 0, seed: 1 }), /randomPixels: fraction 0 is invalid: use a fraction in \(0, 1\]/],
    [() => superResolution([6, 6, 1], { factor: 4 }), /factor 4 does not divide the image size 6x6/],
    [() => randomBasis([4, 4, 1], { fraction: 1.5, seed: 1 }), /randomBasis: fraction 1.5 is invalid/],
    [() => spectralSuperResolution([4, 4], { fraction: 0.5 }), /image shape \[4, 4\] is invalid/],
  ])('rejects invalid options %#', (create, message) => {
    expect(create).toThrow(message);
  });
});
