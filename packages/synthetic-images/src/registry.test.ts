import { createImageBatch } from '@gahb/core';
import type { ImageGenerator, ManifoldGenerator } from './generator';
import { resolveOptions } from './options';
import { generatorRegistry, getGenerator, registerGenerator } from './registry';
import { tangentSpace } from './tangent-space';

interface StripeOptions {
  size: number;
  period: number;
}

/** A third-party class: vertical stripes with a random intensity. */
const stripes: ImageGenerator<StripeOptions> = {
  name: 'test-stripes',
  description: 'Vertical stripes (test class)',
  options: {
    size: { type: 'integer', default: 8, min: 4, description: 'Image side in pixels.' },
    period: { type: 'integer', default: 2, min: 2, max: 8, description: 'Stripe period in pixels.' },
  },
  parameterNames: () => ['intensity'],
  generate(count, seed, partialOptions = {}) {
    const options = resolveOptions(stripes, partialOptions);
    const images = createImageBatch(count, options.size, options.size, 1);
    const parameters = new Float64Array(count).fill(seed / 100);
    for (let j = 0; j < images.data.length; j++) {
      images.data[j] = (j % options.size) % options.period === 0 ? seed / 100 : 0;
    }
    return { images, parameters };
  },
};

describe('generatorRegistry', () => {
  afterEach(() => {
    generatorRegistry.unregister('test-stripes');
  });

  test('lists built-in classes', () => {
    expect(generatorRegistry.names()).toEqual(expect.arrayContaining(['c-alpha', 'disks', 'sines']));
  });

  test('third-party class registers and generates', () => {
    registerGenerator(stripes);
    const generator = getGenerator('test-stripes');
    const { images } = generator.generate(1, 50, { period: 4 });
    expect(images.data[0]).toBeCloseTo(0.5, 6);
    expect(images.data[1]).toBe(0);
  });

  test('rejects duplicate name', () => {
    registerGenerator(stripes);
    expect(() => registerGenerator(stripes)).toThrow('already registered');
  });

  test('rejects class without size option', () => {
    const { size: _size, ...withoutSize } = stripes.options;
    expect(() => registerGenerator({ ...stripes, options: withoutSize })).toThrow('must include "size"');
  });

  test('unknown class error lists known classes', () => {
    expect(() => getGenerator('circles')).toThrow('Unknown synthetic image class "circles". Known: c-alpha, disks');
  });

  test('tangent space rejects non-manifold class', () => {
    expect(() => tangentSpace('c-alpha', [0])).toThrow('class "c-alpha" is not a manifold');
  });
});

describe('resolveOptions', () => {
  test('fills defaults', () => {
    expect(resolveOptions(stripes, { period: 3 })).toEqual({ size: 8, period: 3 });
  });

  test('rejects unknown option naming known ones', () => {
    expect(() => resolveOptions(stripes, { width: 3 } as Partial<StripeOptions>)).toThrow(
      'test-stripes: unknown option "width". Options of test-stripes: period, size.',
    );
  });

  test('rejects inherited object property names', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => resolveOptions(stripes, { [name]: 3 } as Partial<StripeOptions>)).toThrow(`test-stripes: unknown option "${name}"`);
    }
  });

  test('rejects fine grid above limit', () => {
    // 4096 · 2^4 = 65536 would allocate five 32 GiB arrays for c-alpha; the check runs before any allocation.
    expect(() => getGenerator('c-alpha').generate(1, 1, { size: 4096, antialias: 4 })).toThrow(
      'c-alpha: size 4096 with antialias 4 renders at 65536x65536 pixels; size · 2^antialias must be at most 8192',
    );
    expect(() => (getGenerator('disks') as ManifoldGenerator).render([1, 1, 1, 1, 0], { size: 4096, antialias: 2 })).toThrow('disks: size 4096 with antialias 2');
  });

  test('rejects null options object', () => {
    expect(() => resolveOptions(stripes, null as unknown as Partial<StripeOptions>)).toThrow('test-stripes: options null are invalid');
  });

  test('rejects non-integer for integer option', () => {
    expect(() => resolveOptions(stripes, { period: 2.5 })).toThrow(
      'option period = 2.5 is invalid: use an integer from 2 to 8',
    );
  });

  test('rejects string for number option', () => {
    expect(() => resolveOptions(stripes, { size: '8' as unknown as number })).toThrow('option size = "8" is invalid');
  });

  test('rejects value above max', () => {
    expect(() => resolveOptions(stripes, { period: 9 })).toThrow('option period = 9 is invalid');
  });

  test('rejects unknown string choice', () => {
    expect(() => getGenerator('c-alpha').generate(1, 1, { orientation: 'diagonal' })).toThrow(
      'option orientation = "diagonal" is invalid: use one of horizontal, vertical, random',
    );
  });
});
