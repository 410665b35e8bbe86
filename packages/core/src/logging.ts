/**
 * Structured logging with pino, written to stderr so that stdout stays free for a command's results.
 *
 * Environment variables:
 * - `GAHB_LOG_LEVEL`: trace, debug, info (default), warn, error, fatal or silent.
 * - `GAHB_LOG_FORMAT=json`: one JSON object per line (pino's own format). Otherwise each entry is one
 *   human-readable line formatted by pino-pretty: time, level, logger name, message and fields (except
 *   the `progress` figures of progress entries, which the message already states).
 *
 * Under jest (`JEST_WORKER_ID` set) loggers are silent unless `GAHB_LOG_LEVEL` is set.
 */
import pino, { type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

/** Logging methods of a pino logger: a message, or an object of fields followed by an optional message. */
export interface LogMethod {
  (message: string): void;
  (fields: object, message?: string): void;
}

/** A pino-compatible logger; a pino logger can be passed wherever gahb takes one. */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** Current minimum level ("info", "silent", ...). */
  level: string;
  /** Returns a logger that adds `bindings` to every entry. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Output format: 'json' for JSON lines, 'pretty' for one human-readable line per entry. */
export type LogFormat = 'json' | 'pretty';

/** Options of {@link createLogger}; each one overrides its environment variable. */
export interface LoggerOptions {
  /** Minimum level; default `GAHB_LOG_LEVEL`, else 'info' ('silent' under jest). */
  level?: string;
  /** Output format; default 'json' when `GAHB_LOG_FORMAT=json`, else 'pretty'. */
  format?: LogFormat;
  /** Destination stream of the entries; default stderr. Tests pass a stream to capture the output. */
  destination?: DestinationStream;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Synchronous stderr stream shared by all loggers, created on first use. */
let standardError: DestinationStream | undefined;

function standardErrorDestination(): DestinationStream {
  standardError ??= pino.destination({ fd: 2, sync: true });
  return standardError;
}

/** Messages about invalid environment variables already written, so that each appears once per process. */
const reportedEnvironmentProblems = new Set<string>();

/**
 * Writes `message` to stderr once per process. Loggers are created when modules load, where a thrown error
 * would end the program with a stack trace, so an invalid environment variable is reported instead.
 */
function reportEnvironmentProblem(message: string): void {
  if (!reportedEnvironmentProblems.has(message)) {
    reportedEnvironmentProblems.add(message);
    process.stderr.write(`gahb: ${message}\n`);
  }
}

/**
 * Returns the output format selected by `GAHB_LOG_FORMAT`: 'json', or 'pretty' when it is unset or 'pretty'.
 * Any other value is reported through `report` and gives 'pretty'.
 */
export function logFormatFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
  report: (message: string) => void = reportEnvironmentProblem,
): LogFormat {
  const configured = environment.GAHB_LOG_FORMAT?.trim().toLowerCase();
  if (configured === 'json') {
    return 'json';
  }
  if (configured && configured !== 'pretty') {
    report(`GAHB_LOG_FORMAT "${environment.GAHB_LOG_FORMAT}" is invalid; use json or pretty. Using pretty.`);
  }
  return 'pretty';
}

/**
 * Returns the level selected by `GAHB_LOG_LEVEL`, or 'info' ('silent' under jest) when it is not set. An
 * invalid value is reported through `report` and gives that default.
 */
export function logLevelFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
  report: (message: string) => void = reportEnvironmentProblem,
): string {
  const fallback = environment.JEST_WORKER_ID !== undefined ? 'silent' : 'info';
  const configured = environment.GAHB_LOG_LEVEL?.trim().toLowerCase();
  if (configured) {
    if (LEVELS.includes(configured)) {
      return configured;
    }
    report(`GAHB_LOG_LEVEL "${environment.GAHB_LOG_LEVEL}" is invalid; use one of ${LEVELS.join(', ')}. Using ${fallback}.`);
  }
  return fallback;
}

function validateLevel(level: string, source: string): string {
  if (!LEVELS.includes(level)) {
    throw new Error(`${source} "${level}" is invalid; use one of ${LEVELS.join(', ')}.`);
  }
  return level;
}

/** Returns a logger whose entries carry `name` (e.g. "train", "backend"). */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level !== undefined ? validateLevel(options.level, 'Log level') : logLevelFromEnvironment();
  const format = options.format ?? logFormatFromEnvironment();
  if (format !== 'json' && format !== 'pretty') {
    throw new Error(`Log format "${String(format)}" is invalid; use 'json' or 'pretty'.`);
  }

  if (format === 'json') {
    return pino({ name, level }, options.destination ?? standardErrorDestination());
  }

  // pino-pretty's formatter runs synchronously in this process (not as a worker-thread transport), so lines
  // appear in order with progress bars, none are lost when the process exits, and any destination works.
  const prettify = pinoPretty.prettyFactory({
    singleLine: true,
    colorize: options.destination === undefined && process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    // The progress figures are already in the message (see ./progress.ts).
    ignore: 'pid,hostname,progress',
  });
  const target = options.destination ?? standardErrorDestination();
  const pretty: DestinationStream = {
    write(line: string) {
      target.write(prettify(line));
    },
  };
  return pino({ name, level }, pretty);
}
