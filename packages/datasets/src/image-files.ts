/**
 * Listing image files: every PNG, JPEG and WebP file under a folder, recursively, in a stable sorted
 * order (by relative path, compared by UTF-16 code units, so the order does not depend on the locale
 * or the file system).
 */

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** Returns whether `file` has a PNG, JPEG or WebP extension (any letter case). */
export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** Orders strings by UTF-16 code units, independent of the locale. */
function compareCodeUnits(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

/**
 * Returns the image files under `dir` as paths relative to it, sorted. A missing folder and a folder
 * without image files are errors that name the folder.
 */
export async function listImageFiles(dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    throw new Error(`Image folder "${dir}" was not found: check the path.`, { cause: error });
  }
  if (!info.isDirectory()) {
    throw new Error(`"${dir}" is not a folder: give a folder of PNG, JPEG or WebP files.`);
  }

  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!isImageFile(entry.name) || !(entry.isFile() || entry.isSymbolicLink())) {
      continue;
    }
    // `parentPath` is the Node 20.12+ name of the entry's folder; `path` is the older one.
    const parent = (entry as { parentPath?: string }).parentPath ?? (entry as unknown as { path: string }).path;
    const absolute = path.join(parent, entry.name);

    // A link counts when it leads to a file; a broken link is kept so that decoding reports it by name.
    if (entry.isSymbolicLink()) {
      const target = await stat(absolute).catch(() => null);
      if (target !== null && !target.isFile()) {
        continue;
      }
    }
    files.push(path.relative(dir, absolute).split(path.sep).join('/'));
  }
  files.sort(compareCodeUnits);

  if (files.length === 0) {
    throw new Error(`Image folder "${dir}" contains no PNG, JPEG or WebP files.`);
  }
  return files;
}
