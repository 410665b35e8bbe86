import { Registry } from './registry';

describe('Registry', () => {
  test('get returns registered entry', () => {
    const registry = new Registry<{ depth: number }>('architecture');
    const entry = { depth: 20 };
    registry.register('bf-cnn', entry);
    expect(registry.get('bf-cnn')).toBe(entry);
    expect(registry.has('bf-cnn')).toBe(true);
    expect(registry.has('unet')).toBe(false);
  });

  test('duplicate name is an error', () => {
    const registry = new Registry<number>('sampler');
    registry.register('euler', 1);
    expect(() => registry.register('euler', 2)).toThrow('Cannot register sampler "euler": the name is already registered. Choose another name.');
    expect(registry.get('euler')).toBe(1);
  });

  test('unknown name lists known names', () => {
    const registry = new Registry<number>('data source');
    registry.register('npy', 1);
    registry.register('folder', 2);
    expect(() => registry.get('celeb')).toThrow('Unknown data source "celeb". Known: folder, npy.');
  });

  test('unknown name in empty registry', () => {
    const registry = new Registry<number>('backend');
    expect(() => registry.get('wasm')).toThrow('Unknown backend "wasm". Known: none registered.');
  });

  test('names and list are sorted', () => {
    const registry = new Registry<string>('command');
    for (const name of ['train', 'analyze', 'sample', 'data']) registry.register(name, name.toUpperCase());
    expect(registry.names()).toEqual(['analyze', 'data', 'sample', 'train']);
    expect(registry.list()).toEqual([
      ['analyze', 'ANALYZE'],
      ['data', 'DATA'],
      ['sample', 'SAMPLE'],
      ['train', 'TRAIN'],
    ]);
  });

  test('invalid name characters', () => {
    const registry = new Registry<number>('architecture');
    expect(() => registry.register('bad name', 1)).toThrow('Cannot register architecture "bad name": names use letters, digits');
    expect(() => registry.register('', 1)).toThrow('Cannot register architecture ""');
    expect(registry.names()).toEqual([]);
  });

  test('unregister frees the name', () => {
    const registry = new Registry<number>('sampler');
    registry.register('ddim', 1);
    expect(registry.unregister('ddim')).toBe(true);
    expect(registry.unregister('ddim')).toBe(false);
    registry.register('ddim', 2);
    expect(registry.get('ddim')).toBe(2);
  });
});
