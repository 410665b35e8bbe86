/**
 * Atomic file writes for files that a crash must not leave half-written (checkpoints, results, caches).
 *
 * The data goes to a temporary file in the target's folder, is flushed to disk with fsync, and is then
 * renamed over the target. A rename within one file system replaces the target in one step on POSIX
 * systems, so a reader sees either the old file or the complete new one. The folder is then fsynced too
 * where the platform allows it, so that the rename itself survives a power failure.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from './error-message';

/** Returns a temporary path beside `path`, unique per process and call: `.NAME.PID.RANDOM.tmp`. */
function temporaryPathFor(path: string): string {
  const suffix = randomBytes(6).toString('hex');
  return join(dirname(path), `.${basename(path)}.${process.pid}.${suffix}.tmp`);
}

/**
 * Writes `data` (a string is written as UTF-8) to `path` atomically: temporary file in the same folder,
 * fsync, rename. On failure the temporary file is removed, `path` keeps its old content, and the error
 * is raised with the path in its message. The folder must exist.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeChunksAtomic(path, [data]);
}

/**
 * Writes the concatenation of `chunks` to `path` atomically, like {@link writeFileAtomic}, without first
 * copying them into one buffer. `chunks` may be an async generator, so that a large file is written as it
 * is computed. An error it raises removes the temporary file and is the `cause` of the error raised here.
 */
export async function writeChunksAtomic(
  path: string,
  chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const temporaryPath = temporaryPathFor(path);
  try {
    const handle = await open(temporaryPath, 'wx');
    try {
      for await (const chunk of chunks) {
        await handle.writeFile(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw new Error(`Writing "${path}" failed: ${describeWriteFailure(path, error)}`, { cause: error });
  }
  await syncFolder(dirname(path));
}

/**
 * Returns the reason of a failed write in terms of `path`: the system message names the temporary file,
 * which the caller never asked for, so common causes are stated with their fix instead.
 */
function describeWriteFailure(path: string, error: unknown): string {
  const folder = dirname(path);
  switch ((error as { code?: unknown } | null)?.code) {
    case 'ENOENT':
      return `the folder "${folder}" does not exist; create it first.`;
    case 'ENOTDIR':
      return `a part of "${folder}" is not a folder; pass a path inside an existing folder.`;
    case 'EISDIR':
    case 'ENOTEMPTY':
    case 'EEXIST':
      return `"${path}" is a folder; pass the path of a file.`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `the folder "${folder}" is not writable (${errorMessage(error)}); choose another output path.`;
    default:
      return errorMessage(error);
  }
}

/**
 * Checks, before long work starts, that a file can later be written to `path`: its folder exists and is
 * writable, and `path` is not a folder. `label` (for example "--out") starts the error message.
 */
export async function checkOutputPath(path: string, label = 'output'): Promise<void> {
  const folder = dirname(path);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory() === true) {
    throw new Error(`${label} "${path}" is a folder; pass the path of a file.`);
  }
  const folderStats = await stat(folder).catch(() => undefined);
  if (folderStats === undefined) {
    throw new Error(`${label} "${path}": the folder "${folder}" does not exist; create it first.`);
  }
  if (!folderStats.isDirectory()) {
    throw new Error(`${label} "${path}": "${folder}" is not a folder; pass a path inside an existing folder.`);
  }
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new Error(`${label} "${path}": the folder "${folder}" is not writable (${errorMessage(error)}); choose another output path.`);
  }
}

/**
 * Flushes the folder entry of a renamed file to disk. This is best effort: Windows cannot open folders and
 * some file systems reject fsync on them, and there only the file content is known to be on disk.
 */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file is complete and renamed; only the durability of the rename is uncertain.
  }
}

/** Writes `value` as indented JSON (two spaces, trailing newline) to `path` atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    // Circular references and BigInt values raise a TypeError that names neither the file nor the fix.
    throw new Error(`Writing "${path}" failed: the value has no JSON form (${errorMessage(error)}); pass plain data without cycles or BigInt values.`, {
      cause: error,
    });
  }
  if (text === undefined) {
    throw new Error(`Writing "${path}" failed: the value (${typeof value}) has no JSON form; pass an object, array, string, number, boolean or null.`);
  }
  await writeFileAtomic(path, `${text}\n`);
}
