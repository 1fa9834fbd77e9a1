/**
 * Writing a host's certificate, key and chain so that nothing is ever half-written.
 *
 * Why: a host that loses power mid-renewal must still hold a certificate and a key that belong
 * together. Every file is first written in full to a temporary name in the same directory (same
 * file system, so `rename(2)` is atomic), flushed with fsync, and only when all of them are on disk
 * are they renamed over the old ones, the private key just before the certificate, so the window in
 * which a reader could see a new key with the old certificate is a single rename. Readers close that
 * window themselves: the signer's key loader (`signer/src/keys/load-key-signer.ts`) reads key and
 * certificate once more after a mismatch. (A symlinked directory swapped with one rename would not
 * help: a reader opening the two files by path can still straddle the swap.)
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface PlannedFile {
  readonly path: string;
  readonly content: string | Uint8Array;
  /** File mode, e.g. 0o600 for private keys. */
  readonly mode: number;
}

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
  const ours = entries.every((e) => ownFiles.includes(e) || (e.startsWith('.') && ownFiles.some((f) => e.startsWith(`.${f}.tmp-`))));
  if (!existed || (ours && st.uid === process.getuid?.())) {
    await chmod(dir, 0o700);
    return existed ? 'tightened' : 'created';
  }
  return 'shared';
}

async function writeTemp(file: PlannedFile): Promise<string> {
  const tmp = join(dirname(file.path), `.${basename(file.path)}.tmp-${randomBytes(6).toString('hex')}`);
  // 'wx': never follow or reuse an existing file; the mode is set at creation, before any byte lands.
  const fh = await open(tmp, 'wx', file.mode);
  try {
    await fh.writeFile(file.content);
    await fh.chmod(file.mode); // umask may have narrowed or (for 0644) kept it; make it exact.
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/**
 * Write every file atomically: all temporaries first, then renames in the given order.
 * On failure before the renames, temporaries are removed and the old files are untouched.
 */
export async function writeFilesAtomically(files: readonly PlannedFile[]): Promise<void> {
  const temps: string[] = [];
  try {
    for (const f of files) temps.push(await writeTemp(f));
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
  for (let i = 0; i < files.length; i++) await rename(temps[i]!, files[i]!.path);
  // Make the renames durable too.
  for (const d of new Set(files.map((f) => dirname(f.path)))) {
    try {
      const fh = await open(d, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch {
      /* some file systems refuse fsync on directories; the renames are still atomic */
    }
  }
}
