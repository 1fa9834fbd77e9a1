/**
 * File helpers of backup and restore: list the CA directory, hash, copy with private modes, and
 * prepare/commit a destination directory so that nothing half-written is left under the final name.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  constants as fsc,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { makePrivateDirSync } from '../../../common/src/fs/private-dir.js';

/** Regular files under `root`, as sorted `/`-separated relative paths; other entries are returned as `skipped`. */
export function listFiles(root: string): { files: string[]; skipped: string[] } {
  const files: string[] = [];
  const skipped: string[] = [];
  const walk = (rel: string): void => {
    for (const ent of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(r);
      else if (ent.isFile()) files.push(r);
      else skipped.push(r);
    }
  };
  walk('');
  files.sort();
  skipped.sort();
  return { files, skipped };
}

/** SHA-256 (hex) and size of a file, read in chunks (the database may be large). */
export function hashFile(path: string): { sha256: string; size: number } {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: h.digest('hex'), size };
}

/**
 * Copies `src` to `dst` (which must not exist), 0600, fsynced. Parents are created 0700. The
 * destination lives in a 0700 directory of ours, so the moment before `chmod` exposes nothing.
 */
export function copyPrivate(src: string, dst: string, stopAt: string): void {
  ensureParents(dirname(dst), stopAt);
  copyFileSync(src, dst, fsc.COPYFILE_EXCL);
  chmodSync(dst, 0o600);
  fsyncFile(dst);
}

function ensureParents(dir: string, stopAt: string): void {
  if (resolve(dir) === resolve(stopAt) || existsSync(dir)) return;
  ensureParents(dirname(dir), stopAt);
  makePrivateDirSync(dir);
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** True when `path` exists and is a directory with something in it, or is not a directory. */
export function existsNonEmpty(path: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  return !st.isDirectory() || readdirSync(path).length > 0;
}

/**
 * The path with every symbolic link of its existing part resolved: the real path of the deepest
 * ancestor that exists, joined with the rest (which does not exist yet, so holds no link).
 */
export function realPathOf(path: string): string {
  let head = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      rest.push(basename(head));
      head = parent;
    }
  }
}

/**
 * True when one of the two paths is the other or lies inside it, compared as REAL paths: a backup
 * directory reached through a symbolic link into the CA directory is inside it.
 */
export function nested(a: string, b: string): boolean {
  const ra = realPathOf(a);
  const rb = realPathOf(b);
  const inside = (x: string, y: string) => x === y || x.startsWith(y.endsWith(sep) ? y : y + sep);
  return inside(ra, rb) || inside(rb, ra);
}

/** A fresh 0700 sibling of `final` to build the result in (same file system, so `rename` is atomic). */
export function stagingDir(final: string, tag: string): string {
  const f = resolve(final);
  mkdirSync(dirname(f), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(f), `.${basename(f)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp, { mode: 0o700 });
  chmodSync(tmp, 0o700);
  return tmp;
}

/** Moves the finished staging directory to `final` (an absent or empty directory). */
export function commitDir(staging: string, final: string): void {
  if (existsSync(final)) rmdirSync(final);
  renameSync(staging, final);
  chmodSync(final, 0o700);
  fsyncFile(dirname(resolve(final)));
}

export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* best effort: the error being reported matters more */
  }
}
