/**
 * Checks of output paths that commands run before long work (preparing a data set, denoising), so that a
 * missing folder fails at once instead of after the work is done.
 */

import { stat } from 'node:fs/promises';
import path from 'node:path';

/** Rejects `file` (given as `option`) when its folder is missing or when it names a folder. */
export async function checkOutputFile(option: string, file: string): Promise<void> {
  const folder = path.dirname(path.resolve(file));
  const folderInfo = await stat(folder).catch(() => null);
  if (folderInfo === null || !folderInfo.isDirectory()) {
    throw new Error(`${option} ${file} is invalid: the folder ${folder} does not exist; create it first.`);
  }
  const info = await stat(file).catch(() => null);
  if (info !== null && info.isDirectory()) {
    throw new Error(`${option} ${file} is a folder: give a .npy file name.`);
  }
}
