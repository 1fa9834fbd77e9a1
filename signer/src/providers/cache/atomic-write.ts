/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * a temp file created with `O_EXCL` and mode 0600 beside the target, fsync, then rename over it.
 * Mode 0600 because everything we write this way holds credentials. The temp name needs to be
 * unique, not secret (`O_EXCL` refuses an existing file), so no node:crypto on this path.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { uniqueSuffix } from './unique-suffix.js';

export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${uniqueSuffix()}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created or already renamed */
    }
    throw err;
  }
}
