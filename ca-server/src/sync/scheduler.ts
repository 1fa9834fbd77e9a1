/**
 * Time seam of the CRL sync: the clock and timers are injected so that tests can check the
 * 1 call/s spacing and the backoff schedule without sleeping.
 */

export interface SyncScheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time; timers are unref'd so a pending retry never keeps a process alive on its own. */
export const realScheduler: SyncScheduler = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * Spaces calls that share one quota (Roles Anywhere counts CRL API calls per account and region):
 * each `reserve` books the next free slot and says how long to wait for it.
 */
export class CallSpacer {
  private readonly nextFree = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly scheduler: SyncScheduler,
  ) {}

  /** Milliseconds to wait before the call may go out; the slot is booked. */
  reserve(key: string): number {
    const now = this.scheduler.now();
    const at = Math.max(now, this.nextFree.get(key) ?? 0);
    this.nextFree.set(key, at + this.intervalMs);
    return at - now;
  }

  /** Wait for a slot. */
  async acquire(key: string): Promise<void> {
    const wait = this.reserve(key);
    if (wait > 0) await new Promise<void>((resolve) => this.scheduler.setTimeout(resolve, wait));
  }
}

/** Real time with ordinary (ref'd) timers: for one-shot commands that must not exit while waiting for a quota slot. */
export const waitingScheduler: SyncScheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
