import { createLogger, logFormatFromEnvironment, logLevelFromEnvironment } from './logging';

/** Returns a pino destination that keeps every written line. */
function captureStream(): { write(line: string): void; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      lines.push(...chunk.split('\n').filter((line) => line.length > 0));
    },
  };
}

describe('createLogger', () => {
  test('JSON lines carry name and fields', () => {
    const stream = captureStream();
    const logger = createLogger('train', { format: 'json', level: 'info', destination: stream });
    logger.info({ sigma: 0.1, step: 3 }, 'epoch finished');
    logger.warn('plain message');

    expect(stream.lines).toHaveLength(2);
    const first = JSON.parse(stream.lines[0]);
    expect(first.name).toBe('train');
    expect(first.level).toBe(30);
    expect(first.msg).toBe('epoch finished');
    expect(first.sigma).toBe(0.1);
    expect(first.step).toBe(3);
    const second = JSON.parse(stream.lines[1]);
    expect(second.level).toBe(40);
    expect(second.msg).toBe('plain message');
  });

  test('level filters entries', () => {
    const stream = captureStream();
    const logger = createLogger('data', { format: 'json', level: 'warn', destination: stream });
    logger.debug('hidden');
    logger.info('hidden');
    logger.error('shown');
    expect(stream.lines.map((line) => JSON.parse(line).msg)).toEqual(['shown']);
  });

  test('child adds bindings', () => {
    const stream = captureStream();
    const logger = createLogger('sweep', { format: 'json', level: 'info', destination: stream }).child({ job: 7 });
    logger.info('started');
    expect(JSON.parse(stream.lines[0]).job).toBe(7);
  });

  test('pretty format is one line', () => {
    const stream = captureStream();
    const logger = createLogger('sample', { format: 'pretty', level: 'info', destination: stream });
    logger.info({ images: 4 }, 'wrote grid');
    logger.info({ progress: { completed: 1 } }, 'step 1');

    expect(stream.lines).toHaveLength(2);
    expect(stream.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO \(sample\): wrote grid \{"images":4\}$/);
    expect(stream.lines[1]).toMatch(/INFO \(sample\): step 1$/);
  });

  test('silent under jest by default', () => {
    const saved = process.env.GAHB_LOG_LEVEL;
    delete process.env.GAHB_LOG_LEVEL;
    try {
      const stream = captureStream();
      const logger = createLogger('quiet', { format: 'json', destination: stream });
      logger.error('not written');
      expect(logger.level).toBe('silent');
      expect(stream.lines).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.GAHB_LOG_LEVEL = saved;
    }
  });

  test('invalid level names values', () => {
    expect(() => createLogger('x', { level: 'loud' })).toThrow('Log level "loud" is invalid; use one of trace, debug, info, warn, error, fatal, silent.');
    expect(() => createLogger('x', { format: 'xml' as 'json' })).toThrow(`Log format "xml" is invalid; use 'json' or 'pretty'.`);
  });
});

describe('log environment variables', () => {
  test('GAHB_LOG_LEVEL selects level', () => {
    expect(logLevelFromEnvironment({ GAHB_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnvironment({})).toBe('info');
    expect(logLevelFromEnvironment({ JEST_WORKER_ID: '1' })).toBe('silent');
    expect(logLevelFromEnvironment({ JEST_WORKER_ID: '1', GAHB_LOG_LEVEL: 'warn' })).toBe('warn');
  });

  test('invalid variables fall back with message', () => {
    // Loggers are created at module load, where a thrown error would end the program with a stack trace.
    const report = jest.fn();
    expect(logLevelFromEnvironment({ GAHB_LOG_LEVEL: 'verbose' }, report)).toBe('info');
    expect(report).toHaveBeenCalledWith(
      'GAHB_LOG_LEVEL "verbose" is invalid; use one of trace, debug, info, warn, error, fatal, silent. Using info.',
    );
    expect(logFormatFromEnvironment({ GAHB_LOG_FORMAT: 'xml' }, report)).toBe('pretty');
    expect(report).toHaveBeenCalledWith('GAHB_LOG_FORMAT "xml" is invalid; use json or pretty. Using pretty.');
    expect(report).toHaveBeenCalledTimes(2);
  });

  test('GAHB_LOG_FORMAT selects JSON', () => {
    expect(logFormatFromEnvironment({ GAHB_LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormatFromEnvironment({ GAHB_LOG_FORMAT: 'JSON' })).toBe('json');
    expect(logFormatFromEnvironment({})).toBe('pretty');
  });
});
