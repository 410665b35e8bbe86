/**
 * Declarative option lists of an architecture (name, type, default, range, description) and their
 * validation, so that the CLI, checkpoints and the PyTorch import all resolve configurations the same way.
 */

/** One option of an architecture's configuration. */
export type ConfigOption =
  | { type: 'integer'; default: number; min: number; max: number; description: string }
  | { type: 'boolean'; default: boolean; description: string };

/** Options by name. */
export type ConfigSchema = Record<string, ConfigOption>;

/** A resolved configuration: every option of the schema with its value. */
export type ArchitectureConfig = Record<string, number | boolean>;

/**
 * Returns the schema's defaults overridden by `values`. An unknown name, a wrong type or a value outside
 * the range is an error naming the architecture, option and valid values. Strings (from the CLI's
 * `--config key=value`) are parsed as integers or booleans.
 */
export function resolveConfig(
  architecture: string,
  schema: ConfigSchema,
  values: Record<string, unknown> = {},
): ArchitectureConfig {
  const config: ArchitectureConfig = {};
  for (const [name, option] of Object.entries(schema)) {
    config[name] = option.default;
  }

  for (const [name, raw] of Object.entries(values)) {
    const option = schema[name];
    if (option === undefined) {
      throw new Error(`${architecture}: unknown option "${name}". Known options: ${Object.keys(schema).join(', ')}.`);
    }
    config[name] = parseOptionValue(architecture, name, option, raw);
  }
  return config;
}

function parseOptionValue(architecture: string, name: string, option: ConfigOption, raw: unknown): number | boolean {
  if (option.type === 'boolean') {
    if (raw === true || raw === 'true') {
      return true;
    }
    if (raw === false || raw === 'false') {
      return false;
    }
    throw new Error(`${architecture}: option ${name} = ${String(raw)} is invalid: use true or false.`);
  }

  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < option.min || value > option.max) {
    throw new Error(
      `${architecture}: option ${name} = ${String(raw)} is invalid: use an integer from ${option.min} to ${option.max}.`,
    );
  }
  return value;
}

/** Returns option `name` of `config` as an integer (the schema guarantees the type). */
export function integerOption(config: ArchitectureConfig, name: string): number {
  const value = config[name];
  if (typeof value !== 'number') {
    throw new Error(`Configuration option ${name} is ${String(value)}; expected an integer.`);
  }
  return value;
}

/** Returns option `name` of `config` as a boolean. */
export function booleanOption(config: ArchitectureConfig, name: string): boolean {
  const value = config[name];
  if (typeof value !== 'boolean') {
    throw new Error(`Configuration option ${name} is ${String(value)}; expected true or false.`);
  }
  return value;
}
