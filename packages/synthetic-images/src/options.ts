/**
 * Validation of generator options against their schema: unknown names, wrong types and values outside the
 * valid range are errors that name the option and the valid values.
 */
import type { GeneratorOptionSpec, ImageGenerator } from './generator';

/** Describes the valid values of `spec` for error messages ("a number > 0", "an integer from 4 to 4096"). */
export function describeValidRange(spec: GeneratorOptionSpec): string {
  if (spec.type === 'boolean') {
    return 'true or false';
  }
  if (spec.type === 'string') {
    return spec.choices !== undefined ? `one of ${spec.choices.join(', ')}` : 'a string';
  }
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) {
    return spec.exclusiveMin === true
      ? `${kind} > ${spec.min} and ≤ ${spec.max}`
      : `${kind} from ${spec.min} to ${spec.max}`;
  }
  if (spec.min !== undefined) {
    return `${kind} ${spec.exclusiveMin === true ? '>' : '≥'} ${spec.min}`;
  }
  if (spec.max !== undefined) {
    return `${kind} ≤ ${spec.max}`;
  }
  return kind;
}

function checkValue(generatorName: string, name: string, spec: GeneratorOptionSpec, value: unknown): void {
  if (value === null && spec.default === null) {
    return;
  }
  const invalid = (): Error =>
    new Error(
      `${generatorName}: option ${name} = ${JSON.stringify(value)} is invalid: use ${describeValidRange(spec)}.`,
    );

  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') {
      throw invalid();
    }
    return;
  }
  if (spec.type === 'string') {
    if (typeof value !== 'string' || (spec.choices !== undefined && !spec.choices.includes(value))) {
      throw invalid();
    }
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid();
  }
  if (spec.type === 'integer' && !Number.isSafeInteger(value)) {
    throw invalid();
  }
  if (spec.min !== undefined && (value < spec.min || (spec.exclusiveMin === true && value === spec.min))) {
    throw invalid();
  }
  if (spec.max !== undefined && value > spec.max) {
    throw invalid();
  }
}

/**
 * Returns the complete options of `generator`: `partialOptions` checked against the schema, with defaults for
 * the missing ones. Entries whose value is undefined count as missing.
 */
export function resolveOptions<O>(generator: ImageGenerator<O>, partialOptions: Partial<O> = {}): O {
  if (typeof partialOptions !== 'object' || partialOptions === null || Array.isArray(partialOptions)) {
    throw new Error(`${generator.name}: options ${JSON.stringify(partialOptions)} are invalid: pass an object such as { size: 32 }.`);
  }
  const given = partialOptions as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    // Own properties only: 'constructor' or 'toString' are inherited by every object and are not options.
    if (!Object.hasOwn(generator.options, name)) {
      const known = Object.keys(generator.options).sort().join(', ');
      throw new Error(`${generator.name}: unknown option "${name}". Options of ${generator.name}: ${known}.`);
    }
  }

  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(generator.options)) {
    const value = given[name] === undefined ? spec.default : given[name];
    checkValue(generator.name, name, spec, value);
    resolved[name] = value;
  }
  return resolved as O;
}

/**
 * Checks one parameter vector given to `render`: its length must match `parameterNames` and its values must
 * be finite, because a NaN parameter would silently give a NaN image and NaN tangent vectors.
 */
export function checkParameterVector(generatorName: string, parameters: ArrayLike<number>, parameterNames: readonly string[]): void {
  if (parameters.length !== parameterNames.length) {
    throw new Error(`${generatorName}: parameter vector of length ${parameters.length} is invalid: use [${parameterNames.join(', ')}].`);
  }
  for (let k = 0; k < parameters.length; k++) {
    if (typeof parameters[k] !== 'number' || !Number.isFinite(parameters[k])) {
      throw new Error(`${generatorName}: parameter ${parameterNames[k]} = ${String(parameters[k])} is invalid: use a finite number.`);
    }
  }
}

/**
 * Largest side, in pixels, of the fine grid that antialiasing renders on (size · 2^antialias). The c-alpha
 * workspace is five float64 arrays of that grid: about 2.7 GB at 8192, and about 170 GB for size 4096 with
 * antialias 4 (65536).
 */
export const MAX_FINE_SIZE = 8192;

/** Checks that size · 2^antialias stays within {@link MAX_FINE_SIZE}, before any array of that size is allocated. */
export function checkFineSize(generatorName: string, size: number, antialias: number): void {
  const fineSize = size * 2 ** antialias;
  if (fineSize > MAX_FINE_SIZE) {
    throw new Error(
      `${generatorName}: size ${size} with antialias ${antialias} renders at ${fineSize}x${fineSize} pixels; ` +
        `size · 2^antialias must be at most ${MAX_FINE_SIZE}, so lower antialias or size.`,
    );
  }
}

/** Checks the count, seed and start index of a `generate` call. */
export function checkGenerateArguments(generatorName: string, count: number, seed: number, startIndex: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`${generatorName}: count ${count} is invalid: use a non-negative integer.`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`${generatorName}: seed ${seed} is invalid: use a non-negative integer.`);
  }
  if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
    throw new Error(`${generatorName}: startIndex ${startIndex} is invalid: use a non-negative integer.`);
  }
}
