import { createLogger } from './logging';
import { formatDuration, progressStatistics, startProgress } from './progress';

/** Returns a pino destination that keeps every entry as parsed JSON. */
function captureEntries(): { write(line: string): void; entries: Array<Record<string, any>> } {
  const entries: Array<Record<string, any>> = [];
  return {
    entries,
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.length > 0) entries.push(JSON.parse(line));
      }
    },
  };
}

describe('progressStatistics', () => {
  test('rate and ETA from counts', () => {
    const statistics = progressStatistics(30, 100, 10);
    expect(statistics.rate).toBe(3);
    // 70 units left at 3 per second.
    expect(statistics.etaSeconds).toBeCloseTo(70 / 3, 12);
  });

  test('no progress has unknown ETA', () => {
    expect(progressStatistics(0, 10, 5)).toEqual({ rate: 0, etaSeconds: null });
    expect(progressStatistics(0, 10, 0)).toEqual({ rate: 0, etaSeconds: null });
  });

  test('finished work has zero ETA', () => {
    expect(progressStatistics(10, 10, 4)).toEqual({ rate: 2.5, etaSeconds: 0 });
    expect(progressStatistics(12, 10, 4).etaSeconds).toBe(0);
  });
});

describe('formatDuration', () => {
  test('seconds, minutes and hours', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(59.96)).toBe('60.0 s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(3599.4)).toBe('59m 59s');
    expect(formatDuration(3600)).toBe('1h 00m');
    expect(formatDuration(7384)).toBe('2h 03m');
  });
});

describe('startProgress', () => {
  test('JSON entries at log interval', () => {
    const stream = captureEntries();
    const logger = createLogger('train', { format: 'json', level: 'info', destination: stream });
    let time = 0;
    const progress = startProgress({ label: 'train', total: 20, unit: 'steps', logger, logIntervalSeconds: 5, now: () => time, bar: false });

    // One step per second: entries are due at 5 s and 10 s, and done() logs at 20 s.
    for (let step = 1; step <= 20; step++) {
      time = step * 1000;
      progress.tick(1, { loss: 1 / step });
    }
    progress.done({ loss: 0.01 });

    const messages = stream.entries.map((entry) => entry.msg);
    expect(messages).toEqual([
      'train started: 20 steps',
      'train: 5/20 steps, 1.00 steps/s, ETA 15.0 s',
      'train: 10/20 steps, 1.00 steps/s, ETA 10.0 s',
      'train: 15/20 steps, 1.00 steps/s, ETA 5.0 s',
      'train: 20/20 steps, 1.00 steps/s, ETA 0.0 s',
      'train done: 20 steps in 20.0 s (1.00 steps/s)',
    ]);

    const second = stream.entries[1];
    expect(second.progress).toEqual({ label: 'train', completed: 5, total: 20, unit: 'steps', rate: 1, etaSeconds: 15, elapsedSeconds: 5 });
    expect(second.loss).toBe(1 / 5);
    const last = stream.entries[5];
    expect(last.progress.elapsedSeconds).toBe(20);
    expect(last.loss).toBe(0.01);
    expect(progress.completed).toBe(20);
  });

  test('tick counts and unknown ETA', () => {
    const stream = captureEntries();
    const logger = createLogger('sample', { format: 'json', level: 'info', destination: stream });
    let time = 0;
    const progress = startProgress({ label: 'sample', total: 100, logger, logIntervalSeconds: 0, now: () => time, bar: false });

    progress.tick(0);
    time = 2000;
    progress.tick(40);
    progress.done();
    progress.done();
    progress.tick(5);

    expect(stream.entries.map((entry) => entry.msg)).toEqual([
      'sample started: 100 items',
      'sample: 0/100 items, 0.00 items/s, ETA unknown',
      'sample: 40/100 items, 20.0 items/s, ETA 3.0 s',
      'sample done: 40 items in 2.0 s (20.0 items/s)',
    ]);
    expect(progress.completed).toBe(40);
  });

  test('invalid total names value', () => {
    expect(() => startProgress({ label: 'x', total: -1, bar: false })).toThrow('total -1 for "x" is invalid; use a finite number >= 0.');
  });
});
