/**
 * The interface every synthetic image class implements, so that the CLI, the data sources and the analyses
 * can generate any class by name.
 */
import type { ImageBatch } from '@gahb/core';

/** Schema of one generator option: its type, default, meaning (with unit) and valid range. */
export interface GeneratorOptionSpec {
  type: 'number' | 'integer' | 'boolean' | 'string';
  /** Value used when the option is not given; null means "unset", which the generator interprets. */
  default: unknown;
  /** Description of the option: what it sets, with its unit. */
  description: string;
  /** Smallest valid value (inclusive unless `exclusiveMin`). */
  min?: number;
  /** Largest valid value (inclusive). */
  max?: number;
  /** Whether `min` itself is invalid (for options that must be > min). */
  exclusiveMin?: boolean;
  /** Valid values of a 'string' option. */
  choices?: string[];
}

/** Images of a batch with one parameter vector per image. */
export interface GeneratedImages {
  /** [count, size, size, 1], intensities in [0, 1]. */
  images: ImageBatch;
  /** [count, parameterNames.length] in C order. */
  parameters: Float64Array;
}

/** A named class of synthetic images. */
export interface ImageGenerator<O = Record<string, unknown>> {
  /** Registry name, for example 'c-alpha' or 'disks'. */
  name: string;
  /** One line for help text. */
  description: string;
  /** Option schema with defaults; every generator has 'size' (image height and width in pixels). */
  options: Record<string, GeneratorOptionSpec>;
  /** Names of the entries of one parameter vector, for the given (resolved) options. */
  parameterNames(options: O): string[];
  /**
   * Generates images startIndex … startIndex + count − 1. Image i depends only on (seed, i, options),
   * never on `count` or `startIndex`. Partial options are validated and completed with defaults.
   */
  generate(count: number, seed: number, options?: Partial<O>, startIndex?: number): GeneratedImages;
}

/**
 * A generator whose images form a smooth manifold parametrised by the parameter vector, so that the tangent
 * space at an image can be computed from `render`.
 */
export interface ManifoldGenerator<O = Record<string, unknown>> extends ImageGenerator<O> {
  /**
   * Renders the image [size × size] (C order) of one parameter vector, in the layout of `parameterNames`.
   * `render` must be continuous in the parameters and match `generate` for the parameters it returns.
   */
  render(parameters: ArrayLike<number>, options?: Partial<O>): Float32Array;
  /** Indices into the parameter vector of the parameters that vary (the manifold's coordinates). */
  varyingParameters(options: O): number[];
  /** Central-difference step of each parameter, in the parameter's unit. */
  differenceSteps(options: O): number[];
}

/** Returns whether `generator` implements {@link ManifoldGenerator}. */
export function isManifoldGenerator(generator: ImageGenerator<any>): generator is ManifoldGenerator<any> {
  const candidate = generator as Partial<ManifoldGenerator<any>>;
  return (
    typeof candidate.render === 'function' &&
    typeof candidate.varyingParameters === 'function' &&
    typeof candidate.differenceSteps === 'function'
  );
}
