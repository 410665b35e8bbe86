import { sinesGenerator } from './sines';
import { tangentSpace } from './tangent-space';

/** Norm of the projection of the unit vector along `vector` onto the rows of `basis`. */
function projectedNorm(basis: Float64Array, dimension: number, vector: Float64Array): number {
  const pixelCount = vector.length;
  const length = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  let squared = 0;
  for (let k = 0; k < dimension; k++) {
    let dot = 0;
    for (let p = 0; p < pixelCount; p++) {
      dot += basis[k * pixelCount + p] * (vector[p] / length);
    }
    squared += dot * dot;
  }
  return Math.sqrt(squared);
}

/** sin or cos of 2π(f_x·column + f_y·row)/size, the closed-form tangent directions. */
function wave(size: number, frequencyX: number, frequencyY: number, kind: 'sin' | 'cos'): Float64Array {
  const values = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const angle = (2 * Math.PI * (frequencyX * column + frequencyY * row)) / size;
      values[row * size + column] = kind === 'sin' ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return values;
}

describe('sines tangent space', () => {
  test('is spanned by sine and cosine', () => {
    const options = { size: 24, frequencyX: 2, frequencyY: 1 };
    const { basis, dimension } = tangentSpace(sinesGenerator, [0.6, 1.3], options);
    expect(dimension).toBe(2);
    // Tolerance 1e-6: central differences of a smooth function with step 1e-3 on float32 images.
    expect(Math.abs(projectedNorm(basis, dimension, wave(24, 2, 1, 'sin')) - 1)).toBeLessThan(1e-6);
    expect(Math.abs(projectedNorm(basis, dimension, wave(24, 2, 1, 'cos')) - 1)).toBeLessThan(1e-6);
  });

  test('has dimension 1 with fixed phase', () => {
    const { dimension } = tangentSpace('sines', [0.6, 0], { phase: false });
    expect(dimension).toBe(1);
  });

  test('excludes an orthogonal frequency', () => {
    const { basis, dimension } = tangentSpace('sines', [0.6, 1.3], { size: 24 });
    expect(projectedNorm(basis, dimension, wave(24, 0, 1, 'sin'))).toBeLessThan(1e-6);
  });
});

describe('sines generate', () => {
  test('images stay in range and match parameters', () => {
    const { images, parameters } = sinesGenerator.generate(10, 2, { size: 16 });
    for (const value of images.data) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    for (let i = 0; i < 10; i++) {
      const [amplitude, phase] = parameters.subarray(2 * i, 2 * i + 2);
      expect(amplitude).toBeGreaterThanOrEqual(0.1);
      expect(phase).toBeGreaterThanOrEqual(0);
      expect(phase).toBeLessThan(2 * Math.PI);
      // Pixel (0, 0) is ½ + (a/2)·sin(φ).
      expect(images.data[i * 256]).toBeCloseTo(0.5 + 0.5 * amplitude * Math.sin(phase), 6);
    }
  });

  test('different counts give same leading samples', () => {
    const small = sinesGenerator.generate(2, 3, { size: 8 });
    const large = sinesGenerator.generate(4, 3, { size: 8 });
    expect(Array.from(large.images.data.subarray(0, 128))).toEqual(Array.from(small.images.data));
  });

  test('rejects zero frequency', () => {
    expect(() => sinesGenerator.generate(1, 1, { frequencyX: 0, frequencyY: 0 })).toThrow(
      'frequencyX and frequencyY are both 0',
    );
  });
});
