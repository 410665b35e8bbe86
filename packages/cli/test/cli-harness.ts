// Shared set-up of the CLI command tests: a temporary folder per test, console.log captured into `output`,
// and `gahb(...)` running the real program in-process.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProgram } from '../src/main';

let current: { dir: string; logSpy: jest.SpyInstance } | undefined;

/** Creates a temporary folder named with `prefix` and starts capturing console.log lines into `output`. */
export async function startCliTest(prefix: string): Promise<{ dir: string; output: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const output: string[] = [];
  const logSpy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    output.push(args.join(' '));
  });
  current = { dir, logSpy };
  return { dir, output };
}

/** Restores console.log and removes the folder of the last {@link startCliTest}. */
export async function finishCliTest(): Promise<void> {
  if (current === undefined) {
    return;
  }
  current.logSpy.mockRestore();
  await rm(current.dir, { recursive: true, force: true });
  current = undefined;
}

/** Runs `gahb ARGS` in this process, as the binary does. */
export async function gahb(...args: string[]): Promise<void> {
  await createProgram().parseAsync(['node', 'gahb', ...args]);
}
