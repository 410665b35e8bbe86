/**
 * Fingerprints of file-based sources for the cache key: the resolved path and, per file, its relative
 * path, size and modification time. A changed, added or removed file changes the fingerprint.
 */

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { listImageFiles } from '../image-files';

/** Fingerprint of the image files under `dir` (recursive). */
export async function fingerprintImageFolder(dir: string): Promise<string> {
  const hash = createHash('sha256').update(path.resolve(dir));
  for (const file of await listImageFiles(dir)) {
    const info = await stat(path.join(dir, file));
    hash.update(`\n${file}\t${info.size}\t${info.mtimeMs}`);
  }
  return hash.digest('hex');
}

/** Fingerprint of one file and, when present, of a companion file (e.g. a partition list or sidecar). */
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
