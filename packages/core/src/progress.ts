/**
 * Progress reporting for long work such as training steps, sampling or data preparation. On a terminal it
 * draws a cli-progress bar on stderr. Otherwise it logs an entry at most every `logIntervalSeconds` with the
 * count done, the rate per second and the estimated time left. `done()` logs the total time and the mean rate.
 * The rate is the mean since the start, so the ETA assumes the remaining items take as long as the past ones.
 *
 * Each entry stores the figures under the `progress` key (label, completed, total, unit, rate in units per
 * second, etaSeconds, elapsedSeconds) and the caller's fields (loss, PSNR, ...) at the top level. The
 * human-readable format shows only the message and the caller's fields.
 */
import { SingleBar } from 'cli-progress';
import { createLogger, logFormatFromEnvironment, type Logger } from './logging';

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** Name of the work, e.g. "train" or "sample", at the start of every log message. */
  label: string;
  /** Number of units of work in total (≥ 0). */
  total: number;
  /** Name of one unit of work, plural, e.g. "steps"; default "items". */
  unit?: string;
  /** Logger of the progress entries; default `createLogger('progress')`. */
  logger?: Logger;
  /** Minimum seconds between two progress log entries when no bar is shown; default 5. */
  logIntervalSeconds?: number;
  /**
   * Whether to draw a bar on stderr instead of logging updates. By default a bar is drawn when stderr is a
   * terminal, `GAHB_LOG_FORMAT` is not 'json' and the code is not running under jest.
   */
  bar?: boolean;
  /** Clock in milliseconds; default `performance.now`. Tests pass their own. */
  now?: () => number;
}

/** A running progress report. */
export interface Progress {
  /** Records `count` more units done (default 1); `fields` are added to the next log entry. */
  tick(count?: number, fields?: Record<string, number | string>): void;
  /** Ends the report: stops the bar and logs the total time and rate with `fields`. */
  done(fields?: Record<string, number | string>): void;
  /** Units done so far. */
  readonly completed: number;
}

/** Rate and time left after `completed` of `total` units in `elapsedSeconds`. */
export interface ProgressStatistics {
  /** Units per second since the start; 0 before any time has passed. */
  rate: number;
  /** Estimated seconds left at the current rate; null while the rate is 0 and work remains. */
  etaSeconds: number | null;
}

/** Returns the mean rate and the estimated time left (ETA = remaining units / rate). */
export function progressStatistics(completed: number, total: number, elapsedSeconds: number): ProgressStatistics {
  const rate = elapsedSeconds > 0 ? completed / elapsedSeconds : 0;
  const remaining = Math.max(0, total - completed);
  if (remaining === 0) {
    return { rate, etaSeconds: 0 };
  }
  return { rate, etaSeconds: rate > 0 ? remaining / rate : null };
}

/** Formats seconds as "12.3 s", "4m 05s" or "2h 03m". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const wholeSeconds = Math.round(seconds);
  if (wholeSeconds < 3600) {
    return `${Math.floor(wholeSeconds / 60)}m ${String(wholeSeconds % 60).padStart(2, '0')}s`;
  }
  const minutes = Math.round(wholeSeconds / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Formats a rate with three significant digits. */
function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3);
}

/** Starts a progress report and logs its start. */
export function startProgress(options: ProgressOptions): Progress {
  const { label, total } = options;
  const unit = options.unit ?? 'items';
  const logger = options.logger ?? createLogger('progress');
  const now = options.now ?? (() => performance.now());
  const logIntervalMs = (options.logIntervalSeconds ?? 5) * 1000;
  if (!(Number.isFinite(total) && total >= 0)) {
    throw new Error(`startProgress: total ${total} for "${label}" is invalid; use a finite number >= 0.`);
  }
  if (!(logIntervalMs >= 0)) {
    throw new Error(`startProgress: logIntervalSeconds ${options.logIntervalSeconds} is invalid; use a number >= 0.`);
  }

  const showBar =
    options.bar ?? (process.stderr.isTTY === true && logFormatFromEnvironment() !== 'json' && process.env.JEST_WORKER_ID === undefined);
  const startTime = now();
  let completed = 0;
  let lastLogTime = startTime;
  let finished = false;

  logger.info({ progress: { label, total, unit } }, `${label} started: ${total} ${unit}`);
  let bar: SingleBar | undefined;
  if (showBar) {
    bar = new SingleBar({
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    });
    bar.start(total, 0, { rate: '0' });
  }

  const statisticsNow = () => {
    const elapsedSeconds = (now() - startTime) / 1000;
    return { elapsedSeconds, ...progressStatistics(completed, total, elapsedSeconds) };
  };

  return {
    get completed() {
      return completed;
    },

    tick(count = 1, fields = {}) {
      if (finished) return;
      completed += count;
      const { elapsedSeconds, rate, etaSeconds } = statisticsNow();
      if (bar !== undefined) {
        bar.update(completed, { rate: formatRate(rate) });
        return;
      }

      const time = now();
      if (time - lastLogTime < logIntervalMs) return;
      lastLogTime = time;
      const eta = etaSeconds === null ? 'unknown' : formatDuration(etaSeconds);
      logger.info(
        { progress: { label, completed, total, unit, rate, etaSeconds, elapsedSeconds }, ...fields },
        `${label}: ${completed}/${total} ${unit}, ${formatRate(rate)} ${unit}/s, ETA ${eta}`,
      );
    },

    done(fields = {}) {
      if (finished) return;
      finished = true;
      const { elapsedSeconds, rate } = statisticsNow();
      bar?.stop();
      logger.info(
        { progress: { label, completed, total, unit, rate, elapsedSeconds }, ...fields },
        `${label} done: ${completed} ${unit} in ${formatDuration(elapsedSeconds)} (${formatRate(rate)} ${unit}/s)`,
      );
    },
  };
}
