/**
 * A cross-process lock file: `open(O_CREAT|O_EXCL)` succeeds for exactly one process.
 *
 * Why: N concurrent `credential-process` runs (parallel `aws` commands, test suites) must make one
 * CreateSession, not N against a 10 requests/s quota. A crashed holder leaves the file behind, so a
 * lock older than `staleMs` is moved aside (rename is atomic: one taker wins) and the race retried.
 * Waiters may stop early when `onWait` sees the holder's result.
 */
import { closeSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { cacheError } from './errors.js';
import { uniqueSuffix } from '../../../../common/src/fs/unique-suffix.js';

export interface LockOptions {
  readonly staleMs: number;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly now?: (() => number) | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Called between attempts; resolving true ends the wait without the lock. */
  readonly onWait?: (() => boolean | Promise<boolean>) | undefined;
}

export interface HeldLock {
  /** Removes the lock file if it is still ours. */
  release(): void;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Upper bound on attempts, whatever the clock says (45 s of 25 ms polls is 1800). */
const MAX_ROUNDS = 10_000;

function tryCreate(path: string, owner: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, owner);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Resolves to the held lock, or undefined when `onWait` ended the wait. Throws `cache_lock_timeout`. */
export async function acquireLock(path: string, o: LockOptions): Promise<HeldLock | undefined> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const owner = `${process.pid} ${uniqueSuffix()}`;
  const started = now();
  // Also bounds the loops that retry at once (a lock released or moved aside meanwhile), so that
  // a file system answering oddly (procfs, a broken FUSE) can never make this spin.
  for (let round = 0; ; round++) {
    if (round >= MAX_ROUNDS || now() - started > o.timeoutMs) {
      throw cacheError('cache_lock_timeout', `waited more than ${Math.round(o.timeoutMs / 1000)} s (or ${MAX_ROUNDS} rounds) for the lock ${path}`);
    }
    if (tryCreate(path, owner)) {
      return {
        release: () => {
          try {
            if (readFileSync(path, 'utf8') === owner) unlinkSync(path);
          } catch {
            /* already gone or taken over as stale */
          }
        },
      };
    }
    try {
      const st = lstatSync(path);
      if (now() - st.mtimeMs > o.staleMs) {
        const aside = `${path}.stale-${uniqueSuffix()}`;
        renameSync(path, aside);
        unlinkSync(aside);
        continue;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: retry at once
      throw err;
    }
    if (o.onWait && (await o.onWait())) return undefined;
    await sleep(o.pollMs);
  }
}
