/**
 * Clock, randomness, sleeping and the stop signal of a long-running renewal loop (`rapki agent`,
 * `rapki renew --daemon`), injected so the loop can be driven by tests without waiting.
 */
import { stat } from 'node:fs/promises';

export interface DaemonEnv {
  readonly now: () => Date;
  readonly random: () => number;
  /** Resolves after `ms` or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** Modification time of a file (when the certificate was written), or undefined if unknown. */
  readonly mtime?: ((path: string) => Promise<Date | undefined>) | undefined;
}

/** setTimeout's ceiling (2^31 − 1 ms, ~24.8 days); longer waits wake up and plan again. */
export const MAX_SLEEP_MS = 2 ** 31 - 1;

/** Abortable sleep on real timers. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, Math.min(ms, MAX_SLEEP_MS));
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function fileMtime(path: string): Promise<Date | undefined> {
  try {
    return (await stat(path)).mtime;
  } catch {
    return undefined;
  }
}

/**
 * The real process: wall clock, Math.random, and a signal that aborts on the first SIGTERM or
 * SIGINT (systemd's stop, Ctrl-C). `onSignal` is told which one, for the log.
 */
export function processDaemonEnv(onSignal?: (name: NodeJS.Signals) => void): DaemonEnv {
  const ac = new AbortController();
  const stop = (name: NodeJS.Signals): void => {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
    onSignal?.(name);
    ac.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return { now: () => new Date(), random: Math.random, signal: ac.signal, sleep, mtime: fileMtime };
}
