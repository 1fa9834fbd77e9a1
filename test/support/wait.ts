/**
 * Waiting in tests without sleeping "long enough": on an event where there is one, else by
 * looking at a real process's state until it changes, always within a bounded time that ends the
 * test with what was awaited (a loaded 2-core CI machine is slow, never infinitely slow).
 */
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  /** Give up after this long (the error names `what`). */
  readonly timeoutMs: number;
  /** Pause between two looks (polling only); default 25 ms. */
  readonly intervalMs?: number | undefined;
}

/**
 * Resolves to the first value of `probe` that is not undefined, looking again every `intervalMs`.
 * For state outside this process (a child's files, /proc, another server's answers); state this
 * process is told about should be awaited with {@link waitForEvent} instead.
 */
export async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, o: WaitOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 25));
  }
}

export interface WaitForEventOptions {
  /** The events after which `check` looks again, e.g. `[[child.stderr, 'data']]`. */
  readonly on: readonly (readonly [EventEmitter, string])[];
  /** A child process whose exit before the wait is over ends it (after a last look). */
  readonly process?: ChildProcess | undefined;
  readonly timeoutMs: number;
  /** What to show when the wait fails (e.g. the output so far). */
  readonly describe?: (() => string) | undefined;
}

/**
 * Resolves to the first value of `check()` other than undefined, looking now and after each of
 * the `on` events; rejects after `timeoutMs`, when `check` throws, or when `process` exits first.
 */
export function waitForEvent<T>(what: string, check: () => T | undefined, o: WaitForEventOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    let over = false;
    const end = (): void => {
      over = true;
      clearTimeout(timer);
      for (const [emitter, event] of o.on) emitter.off(event, look);
      o.process?.off('exit', exited);
    };
    const fail = (why: string): void => {
      end();
      reject(new Error(`${why} waiting for ${what}${o.describe ? `:\n${o.describe()}` : ''}`));
    };
    function look(): boolean {
      if (over) return true;
      let v: T | undefined;
      try {
        v = check();
      } catch (err) {
        end();
        reject(err as Error);
        return true;
      }
      if (v === undefined) return false;
      end();
      resolve(v);
      return true;
    }
    function exited(code: number | null, signal: NodeJS.Signals | null): void {
      if (!look()) fail(`exited (${code ?? signal}) while`);
    }
    const timer = setTimeout(() => fail(`timed out after ${o.timeoutMs} ms`), o.timeoutMs);
    for (const [emitter, event] of o.on) emitter.on(event, look);
    o.process?.on('exit', exited);
    if (o.process && (o.process.exitCode !== null || o.process.signalCode !== null)) exited(o.process.exitCode, o.process.signalCode);
    else look();
  });
}
