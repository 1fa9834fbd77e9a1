/**
 * The emulator's clock. Injected everywhere time matters (SigV4 date window, certificate validity,
 * credential expiry) so tests can move it with `set()` / `advance()` instead of sleeping.
 */
export interface EmulatorClock {
  now(): Date;
  /** Pin the clock to `date`; it then advances with real time from there. */
  set(date: Date | string | number): void;
  /** Move the clock forward (or back, with a negative value) by `ms`. */
  advance(ms: number): void;
}

/** A clock that follows real time plus an adjustable offset. */
export function createClock(initial?: Date | string | number, realNow: () => number = Date.now): EmulatorClock {
  let offset = initial === undefined ? 0 : new Date(initial).getTime() - realNow();
  return {
    now: () => new Date(realNow() + offset),
    set(date) {
      const t = new Date(date).getTime();
      if (Number.isNaN(t)) throw new TypeError('clock.set: invalid date');
      offset = t - realNow();
    },
    advance(ms) {
      if (!Number.isFinite(ms)) throw new TypeError('clock.advance: ms must be finite');
      offset += ms;
    },
  };
}
