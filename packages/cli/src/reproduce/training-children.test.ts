import { TrainingChildren } from './training-jobs';

describe('TrainingChildren', () => {
  test('SIGTERM is passed on to running children', async () => {
    const exits: string[] = [];
    const children = new TrainingChildren((signal) => exits.push(signal));
    // A child that would wait a minute unless it is signalled.
    const exitCode = children.run(['-e', 'setTimeout(() => {}, 60_000)']);
    await new Promise((resolve) => setTimeout(resolve, 200));

    process.emit('SIGTERM', 'SIGTERM');

    expect(await exitCode).toBe(128);
    expect(exits).toEqual(['SIGTERM']);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  test('listeners are removed when children end', async () => {
    const children = new TrainingChildren(() => undefined);
    expect(await children.run(['-e', 'process.exit(3)'])).toBe(3);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});
