import { energyOutsideSubspace, principalAngles } from './subspace';

describe('principalAngles', () => {
  test('planes in R^3 at a known angle', () => {
    // span(e1, e2) and span(e1, cos t·e2 + sin t·e3): angles 0 and t.
    const t = 0.4;
    const a = [1, 0, 0, 0, 1, 0];
    const b = [2, 0, 0, 0, Math.cos(t), Math.sin(t)];

    const angles = principalAngles(a, b, 3);

    expect(angles.length).toBe(2);
    expect(angles[0]).toBeLessThan(1e-7);
    expect(angles[1]).toBeCloseTo(t, 10);
  });

  test('line against a plane', () => {
    // The line through (1, 1, 1) meets the plane z = 0 at acos(sqrt(2/3)).
    const angles = principalAngles([1, 1, 1], [1, 0, 0, 0, 1, 0], 3);

    expect(angles.length).toBe(1);
    expect(angles[0]).toBeCloseTo(Math.acos(Math.sqrt(2 / 3)), 10);
  });

  test('rejects dependent rows', () => {
    expect(() => principalAngles([1, 0, 2, 0], [1, 0], 2)).toThrow('basisA: row 1 is linearly dependent');
  });
});

describe('energyOutsideSubspace', () => {
  test('vectors against a coordinate axis', () => {
    // (1, 1) has half its energy off the x axis, (0, 2) all of it: (1 + 4) / (2 + 4).
    expect(energyOutsideSubspace([1, 1, 0, 2], [3, 0], 2)).toBeCloseTo(5 / 6, 14);
  });

  test('weights scale each vector', () => {
    expect(energyOutsideSubspace([1, 0, 0, 1], [1, 0], 2, [1, 3])).toBeCloseTo(3 / 4, 14);
  });
});

describe('principalAngles input checks', () => {
  test('zero row is named', () => {
    expect(() => principalAngles([0, 0, 0], [1, 0, 0], 3)).toThrow('basisA: row 0 is zero');
  });

  test('NaN row is named', () => {
    expect(() => principalAngles([1, 0, 0], [Number.NaN, 0, 0], 3)).toThrow('basisB: row 0 is not finite');
  });
});
