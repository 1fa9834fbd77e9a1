/**
 * The directory that holds a host's certificate, key and chain: private (0700) unless the operator
 * pointed at a directory shared with other files. The files themselves are written with
 * `common/src/fs/atomic-write.ts`.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { isAtomicWriteTemp } from '../../../common/src/fs/atomic-write.js';

/** What {@link ensurePrivateDir} found or did. */
export type PrivateDirState = 'created' | 'private' | 'tightened' | 'shared';

/**
 * Create `dir` (and parents) with mode 0700. An existing directory that others can read is
 * tightened to 0700 only when it holds nothing but `ownFiles` (so `--out /etc` by mistake cannot
 * lock a system directory); otherwise it is left alone and `'shared'` is returned for a warning.
 */
export async function ensurePrivateDir(dir: string, ownFiles: readonly string[] = []): Promise<PrivateDirState> {
  let existed = true;
  try {
    await stat(dir);
  } catch {
    existed = false;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  if ((st.mode & 0o777) === 0o700) return existed ? 'private' : 'created';
  const entries = await readdir(dir);
  const ours = entries.every((e) => ownFiles.includes(e) || ownFiles.some((f) => isAtomicWriteTemp(e, f)));
  if (!existed || (ours && st.uid === process.getuid?.())) {
    await chmod(dir, 0o700);
    return existed ? 'tightened' : 'created';
  }
  return 'shared';
}
