/**
 * The registry of synthetic image classes. The built-in classes (c-alpha, disks, sines) are registered when this
 * module loads; third-party packages register theirs on import with {@link registerGenerator}.
 */
import { Registry } from '@gahb/core';
import { cAlphaGenerator } from './c-alpha';
import { disksGenerator } from './disks';
import type { ImageGenerator } from './generator';
import { sinesGenerator } from './sines';

export const generatorRegistry = new Registry<ImageGenerator<any>>('synthetic image class');

/** Adds `generator` under its name; a name that is already taken is an error. */
export function registerGenerator<O>(generator: ImageGenerator<O>): void {
  if (!('size' in generator.options)) {
    throw new Error(`Cannot register synthetic image class "${generator.name}": its options must include "size".`);
  }
  generatorRegistry.register(generator.name, generator as ImageGenerator<any>);
}

/** Returns the generator registered as `name`; an unknown name is an error that lists the known classes. */
export function getGenerator(name: string): ImageGenerator<any> {
  return generatorRegistry.get(name);
}

registerGenerator(cAlphaGenerator);
registerGenerator(disksGenerator);
registerGenerator(sinesGenerator);
