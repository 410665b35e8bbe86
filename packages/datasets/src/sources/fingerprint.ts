/**
 * Fingerprints of file-based sources for the cache key: the resolved path and, per file, its relative
 * path, size and modification time. A changed, added or removed file changes the fingerprint.
 */

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { listImageFiles } from '../image-files';

/** Returns the fingerprint of the image files under `dir` (recursive). */
export async function fingerprintImageFolder(dir: string): Promise<string> {
  const hash = createHash('sha256').update(path.resolve(dir));
  for (const file of await listImageFiles(dir)) {
    // A broken link has no size; loading reports it by name later.
    const info = await stat(path.join(dir, file)).catch(() => null);
    hash.update(info === null ? `\n${file}\tmissing` : `\n${file}\t${info.size}\t${info.mtimeMs}`);
  }
  return hash.digest('hex');
}

/** Returns the fingerprint of `files` (e.g. an array and its sidecar); a missing file counts as "missing". */
export async function fingerprintFiles(files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    try {
      const info = await stat(file);
      hash.update(`\n${path.resolve(file)}\t${info.size}\t${info.mtimeMs}`);
    } catch {
      hash.update(`\n${path.resolve(file)}\tmissing`);
    }
  }
  return hash.digest('hex');
}
