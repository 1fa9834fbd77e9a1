/**
 * The one durable, atomic file writer: readers see the old file or the new one, never half of
 * one, and once the call returns the new content survives a power cut.
 *
 * Each file is written to a temporary file in the same directory (the same file system, so
 * `rename(2)` replaces the target atomically), created with `O_CREAT | O_EXCL` and its final mode
 * from the start (never more readable than asked, even for a moment; an existing file or symlink
 * in the way is refused, not followed), written in full, set to the exact mode (the umask may have
 * narrowed it), flushed with fsync, and renamed over the target. Then the directory itself is
 * fsynced: without that, the rename (the new directory entry) can be lost in a crash although the
 * data was flushed. Some file systems refuse fsync on a directory (EINVAL and friends); the rename
 * is still atomic there, so only an I/O error (EIO) from that step is reported. On any failure
 * before the renames the temporary files are removed and the targets are untouched.
 *
 * Temporary names are `.<name>.<unique suffix>.tmp` (see `unique-suffix.ts`: no node:crypto, as
 * the signer's credential cache writes on the credential-process path). Synchronous on purpose:
 * a handful of small files, written by code that must not interleave other work with them.
 */
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { uniqueSuffix } from './unique-suffix.js';

/** The file-system calls used here (node:fs by default; tests pass a recording wrapper). */
export type AtomicWriteFs = Pick<typeof nodeFs, 'openSync' | 'writeSync' | 'fchmodSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'rmSync'>;

/** One file to write. */
export interface PlannedFile {
  readonly path: string;
  readonly content: string | Uint8Array;
  /** Exact file mode, e.g. 0o600 for keys and credentials (the default), 0o644 for public files. */
  readonly mode?: number;
}

/** How many temporary names are tried when one is taken (O_EXCL refused it). */
const TEMP_NAME_ATTEMPTS = 3;

/** The temporary name {@link writeFilesAtomicSync} uses for `path` (tests and cleanup code recognise it). */
export function isAtomicWriteTemp(entryName: string, targetName?: string): boolean {
  return entryName.startsWith(targetName === undefined ? '.' : `.${targetName}.`) && entryName.endsWith('.tmp');
}

function writeTemp(file: PlannedFile, fs: AtomicWriteFs): string {
  const mode = file.mode ?? 0o600;
  const data = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
  for (let attempt = 1; ; attempt++) {
    const tmp = join(dirname(file.path), `.${basename(file.path)}.${uniqueSuffix()}.tmp`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < TEMP_NAME_ATTEMPTS) continue;
      throw err;
    }
    try {
      try {
        let off = 0;
        while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
        fs.fchmodSync(fd, mode);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return tmp;
  }
}

/** fsync of a directory, so that the entries renamed into it are durable too. */
function syncDirectory(dir: string, fs: AtomicWriteFs): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, nodeFs.constants.O_RDONLY);
  } catch {
    return; // not openable for reading (permissions): the renames are still atomic
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EIO') throw err;
    // EINVAL, EISDIR, EPERM, ENOTSUP…: the file system does not sync directories.
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes every file atomically and durably: all temporary files first, then the renames in the
 * given order (put the file that makes the others valid last: a certificate after its key), then
 * one fsync per directory.
 */
export function writeFilesAtomicSync(files: readonly PlannedFile[], fs: AtomicWriteFs = nodeFs): void {
  const temps: string[] = [];
  let renamed = 0;
  try {
    for (const f of files) temps.push(writeTemp(f, fs));
    for (; renamed < files.length; renamed++) fs.renameSync(temps[renamed]!, files[renamed]!.path);
  } catch (err) {
    for (const t of temps.slice(renamed)) fs.rmSync(t, { force: true });
    throw err;
  }
  for (const dir of new Set(files.map((f) => dirname(f.path)))) syncDirectory(dir, fs);
}

/** Writes one file atomically and durably, mode 0600 unless `mode` says otherwise. */
export function writeFileAtomicSync(path: string, content: string | Uint8Array, options: { readonly mode?: number; readonly fs?: AtomicWriteFs } = {}): void {
  writeFilesAtomicSync([{ path, content, mode: options.mode ?? 0o600 }], options.fs);
}
