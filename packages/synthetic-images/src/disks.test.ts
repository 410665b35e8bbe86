import { disksGenerator, type DiskOptions } from './disks';
import { tangentSpace } from './tangent-space';

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i];
  }
  return total;
}

function norm(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i] * values[i];
  }
  return Math.sqrt(total);
}

/** Solves the small symmetric positive definite system a·x = b by Gaussian elimination. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let column = 0; column < n; column++) {
    for (let row = column + 1; row < n; row++) {
      const factor = m[row][column] / m[column][column];
      for (let k = column; k <= n; k++) {
        m[row][k] -= factor * m[column][k];
      }
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let value = m[row][n];
    for (let k = row + 1; k < n; k++) {
      value -= m[row][k] * x[k];
    }
    x[row] = value / m[row][row];
  }
  return x;
}

/**
 * Distance from `target` to the manifold near `parameters`: one Gauss-Newton step with a forward-difference
 * Jacobian (step 0.05, independent of the package's central differences), then the residual norm.
 */
function distanceToManifold(parameters: number[], target: Float64Array, options: Partial<DiskOptions>): number {
  const base = disksGenerator.render(parameters, options);
  const columns: Float64Array[] = [];
  for (let j = 0; j < 5; j++) {
    const shifted = [...parameters];
    shifted[j] += 0.05;
    const image = disksGenerator.render(shifted, options);
    columns.push(Float64Array.from(image, (value, p) => (value - base[p]) / 0.05));
  }
  const residual = Float64Array.from(target, (value, p) => value - base[p]);
  const normal = columns.map((a) => columns.map((b) => sum(a.map((value, p) => value * b[p]))));
  const rightSide = columns.map((a) => sum(a.map((value, p) => value * residual[p])));
  const delta = solve(normal, rightSide);
  const moved = disksGenerator.render(
    parameters.map((value, j) => value + delta[j]),
    options,
  );
  return norm(Float64Array.from(target, (value, p) => value - moved[p]));
}

describe('disks render', () => {
  test.each([
    [0, 4.3],
    [0, 10],
    [0, 25.7],
    [2, 10],
  ])('disk area matches pi r^2 with antialias %i, radius %d', (antialias, radius) => {
    // The edge profile, one fine sample wide and symmetric about d = r, adds a bias of order 0.1·4^−antialias
    // pixels² to πr² through the ρ weighting of the annulus; the lattice sum of the smooth profile adds less.
    // Tolerance: 0.5 pixel² + 0.2 % of the area.
    const size = 64;
    const image = disksGenerator.render([31.2, 30.7, radius, 1, 0], { size, antialias, clip: false });
    const area = Math.PI * radius * radius;
    expect(Math.abs(sum(image) - area)).toBeLessThan(0.5 + 0.002 * area);
  });

  test.each([0, 1, 2])('centroid is the centre parameter with antialias %i', (antialias) => {
    // Fine sample positions include the db2 filter's centre offset, so the intensity centroid stays at
    // (centerX, centerY) in output pixels. Without that offset it would move by 0.366·(1 − 2^−k) pixels.
    // Tolerance 0.02 pixels.
    const size = 48;
    const image = disksGenerator.render([20.3, 25.6, 8.5, 1, 0], { size, antialias, clip: false });
    let total = 0;
    let momentX = 0;
    let momentY = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        total += image[y * size + x];
        momentX += x * image[y * size + x];
        momentY += y * image[y * size + x];
      }
    }
    expect(Math.abs(momentX / total - 20.3)).toBeLessThan(0.02);
    expect(Math.abs(momentY / total - 25.6)).toBeLessThan(0.02);
  });

  test('wrap draws disk across border', () => {
    const size = 32;
    const image = disksGenerator.render([0, 16, 5, 1, 0], { size, wrap: true, antialias: 0 });
    // Half of the disk is at the left border and half wraps to the right border.
    expect(image[16 * size + 2]).toBe(1);
    expect(image[16 * size + size - 3]).toBe(1);
    expect(image[16 * size + 16]).toBe(0);
  });
});

describe('disks tangent space', () => {
  const parameters = [40.3, 38.9, 17.2, 0.8, 0.25];

  test('has dimension 5 and orthonormal rows', () => {
    const { basis, dimension, pixelCount } = tangentSpace('disks', parameters);
    expect(dimension).toBe(5);
    expect(pixelCount).toBe(80 * 80);
    for (let i = 0; i < dimension; i++) {
      for (let j = 0; j < dimension; j++) {
        let dot = 0;
        for (let p = 0; p < pixelCount; p++) {
          dot += basis[i * pixelCount + p] * basis[j * pixelCount + p];
        }
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
  });

  test('has dimension 3 with fixed intensities', () => {
    const { dimension } = tangentSpace('disks', [40.3, 38.9, 17.2, 1, 0], { foreground: false, background: false });
    expect(dimension).toBe(3);
  });

  test('contains the foreground derivative', () => {
    // ∂x/∂foreground is the coverage image, rendered directly as a disk of intensity 1 on 0.
    const options = { size: 40, antialias: 1, clip: false };
    const coverage = disksGenerator.render([20.3, 19.9, 9.2, 1, 0], options);
    const { basis, pixelCount } = tangentSpace('disks', [20.3, 19.9, 9.2, 0.7, 0.2], options);
    const unit = Float64Array.from(coverage, (value) => value / norm(coverage));
    let projectedSquared = 0;
    for (let k = 0; k < 5; k++) {
      let dot = 0;
      for (let p = 0; p < pixelCount; p++) {
        dot += basis[k * pixelCount + p] * unit[p];
      }
      projectedSquared += dot * dot;
    }
    expect(Math.abs(Math.sqrt(projectedSquared) - 1)).toBeLessThan(1e-6);
  });

  test('step along tangent stays close to manifold', () => {
    // A step ε·e along a unit tangent vector e leaves the manifold only at second order in ε; a step of the same
    // length orthogonal to the tangent space does not. ε = 0.1 on an image of norm about 25; it moves the edge by
    // a few hundredths of a pixel, well inside the antialiased edge profile.
    const options: Partial<DiskOptions> = { size: 48, antialias: 1, clip: false };
    const point = [23.6, 24.2, 10.4, 0.8, 0.25];
    const image = Float64Array.from(disksGenerator.render(point, options));
    const { basis, dimension, pixelCount } = tangentSpace('disks', point, options);
    const epsilon = 0.1;

    for (let k = 0; k < dimension; k++) {
      const target = Float64Array.from(image, (value, p) => value + epsilon * basis[k * pixelCount + p]);
      expect(distanceToManifold(point, target, options)).toBeLessThan(0.1 * epsilon);
    }

    // Control: a checkerboard made orthogonal to the tangent space.
    const normal = Float64Array.from(image, (_, p) => ((p % 48) + Math.floor(p / 48)) % 2 === 0 ? 1 : -1);
    for (let k = 0; k < dimension; k++) {
      let dot = 0;
      for (let p = 0; p < pixelCount; p++) {
        dot += normal[p] * basis[k * pixelCount + p];
      }
      for (let p = 0; p < pixelCount; p++) {
        normal[p] -= dot * basis[k * pixelCount + p];
      }
    }
    const normalLength = norm(normal);
    const away = Float64Array.from(image, (value, p) => value + (epsilon * normal[p]) / normalLength);
    expect(distanceToManifold(point, away, options)).toBeGreaterThan(0.9 * epsilon);
  });
});

describe('disks generate', () => {
  test('parameters lie in documented ranges', () => {
    const size = 40;
    const { images, parameters } = disksGenerator.generate(200, 3, { size });
    expect(images.shape).toEqual([200, size, size, 1]);
    for (let i = 0; i < 200; i++) {
      const [centerX, centerY, radius, foreground, background] = parameters.subarray(5 * i, 5 * i + 5);
      expect(radius).toBeGreaterThanOrEqual((3 / 80) * size);
      expect(radius).toBeLessThan((38 / 80) * size);
      expect(centerX - radius).toBeGreaterThanOrEqual(-0.5);
      expect(centerX + radius).toBeLessThanOrEqual(size - 0.5);
      expect(centerY - radius).toBeGreaterThanOrEqual(-0.5);
      expect(centerY + radius).toBeLessThanOrEqual(size - 0.5);
      expect(foreground).toBeGreaterThan(0);
      expect(background).toBeLessThan(1);
    }
  });

  test('images match render of their parameters', () => {
    const { images, parameters } = disksGenerator.generate(3, 4, { size: 24 });
    for (let i = 0; i < 3; i++) {
      const rendered = disksGenerator.render(parameters.subarray(5 * i, 5 * i + 5), { size: 24 });
      expect(Array.from(images.data.subarray(i * 576, (i + 1) * 576))).toEqual(Array.from(rendered));
    }
  });

  test('integer mode draws integer centres and radii', () => {
    const { parameters } = disksGenerator.generate(50, 5, { size: 32, continuous: false });
    for (let i = 0; i < 50; i++) {
      for (const j of [0, 1, 2]) {
        expect(Number.isInteger(parameters[5 * i + j])).toBe(true);
      }
    }
  });

  test('fixed parameters take documented values', () => {
    const { parameters } = disksGenerator.generate(5, 6, {
      size: 32,
      translate: false,
      scale: false,
      foreground: false,
      background: false,
    });
    for (let i = 0; i < 5; i++) {
      expect(Array.from(parameters.subarray(5 * i, 5 * i + 5))).toEqual([15.5, 15.5, 8, 1, 0]);
    }
  });

  test('same seed gives identical bytes', () => {
    const first = disksGenerator.generate(4, 7, { size: 20 }).images.data;
    const second = disksGenerator.generate(4, 7, { size: 20 }).images.data;
    expect(Buffer.from(first.buffer).equals(Buffer.from(second.buffer))).toBe(true);
  });

  test('different counts give same leading samples', () => {
    const small = disksGenerator.generate(2, 8, { size: 20 });
    const large = disksGenerator.generate(6, 8, { size: 20 });
    expect(Array.from(large.images.data.subarray(0, 800))).toEqual(Array.from(small.images.data));
    expect(Array.from(large.parameters.subarray(0, 10))).toEqual(Array.from(small.parameters));
  });

  test('rejects minRadius above maxRadius', () => {
    expect(() => disksGenerator.generate(1, 1, { minRadius: 0.4, maxRadius: 0.3 })).toThrow(
      'minRadius 0.4 must be below maxRadius 0.3',
    );
  });

  test('rejects parameter vector of wrong length', () => {
    expect(() => disksGenerator.render([1, 2, 3])).toThrow('parameter vector of length 3 is invalid');
  });

  test('rejects non-finite parameters', () => {
    expect(() => disksGenerator.render([4, 4, Number.NaN, 1, 0], { size: 8 })).toThrow('disks: parameter radius = NaN is invalid: use a finite number.');
    expect(() => tangentSpace('disks', [Infinity, 4, 2, 1, 0], { size: 8 })).toThrow('parameter centerX = Infinity is invalid');
  });
});
