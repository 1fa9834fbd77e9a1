/**
 * A credential source for long-running modes (`rapki serve`, `rapki update`, the agent): it
 * refreshes before expiry, keeps the last good credentials while a refresh fails, and spaces out
 * failed attempts.
 *
 * Why: the official helper's `serve` returned an empty "Success" document after a failed refresh
 * and hammered CreateSession on every GET (signer-spec.md §4 item 11, PR #200). Here a failure
 * leaves the previous credentials in place until they actually expire, at most one CreateSession
 * runs at a time, and after a failure the next attempt waits `retryDelayMs`.
 *
 * Renewed certificate files are picked up because `fetch` is expected to load the key source again
 * on every call (the caller's closure does `loadKeySigner(…)` then `createSession(…)`).
 */
import type { RolesAnywhereCredentials } from '../types.js';

/** Anything that hands out current credentials. */
export interface CredentialSource {
  get(): Promise<RolesAnywhereCredentials>;
}

export interface RefreshingSourceOptions {
  /** One CreateSession (re-reading certificate and key). */
  readonly fetch: () => Promise<RolesAnywhereCredentials>;
  /** Refresh when fewer than this many milliseconds remain before `Expiration`. */
  readonly refreshBeforeMs: number;
  /** Minimum gap after a failed attempt before the next one (default 30 s). */
  readonly retryDelayMs?: number | undefined;
  /** Schedule refreshes on a timer instead of only on demand (default true). */
  readonly proactive?: boolean | undefined;
  /** Milliseconds since the epoch (injected clock). */
  readonly now?: (() => number) | undefined;
  /** Called after every successful fetch (e.g. to rewrite the credentials file). May throw. */
  readonly onRefreshed?: ((creds: RolesAnywhereCredentials, at: Date) => void | Promise<void>) | undefined;
  /** Called when a refresh fails, whether or not last-good credentials remain. */
  readonly onRefreshError?: ((err: unknown, hasLastGood: boolean) => void) | undefined;
  /** Keep the process alive for the refresh timer (`rapki update` has nothing else to wait on). */
  readonly keepAlive?: boolean | undefined;
}

const DEFAULT_RETRY_DELAY_MS = 30_000;
/** Wait before refreshing credentials that arrived already inside the refresh window. */
const MIN_RESCHEDULE_MS = 5_000;
/** setTimeout's ceiling (2^31 − 1 ms); longer waits are done in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds since the epoch of an ISO-8601 expiration, or NaN. */
export function expirationMs(creds: RolesAnywhereCredentials): number {
  return Date.parse(creds.expiration);
}

export class RefreshingCredentialSource implements CredentialSource {
  readonly #o: RefreshingSourceOptions;
  readonly #now: () => number;
  readonly #retryDelay: number;
  #current: RolesAnywhereCredentials | undefined;
  #updatedAt: Date | undefined;
  #inflight: Promise<RolesAnywhereCredentials> | undefined;
  #lastError: unknown;
  #lastFailureAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RefreshingSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#retryDelay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  }

  /** When the credentials now held were obtained. */
  get lastUpdated(): Date | undefined {
    return this.#updatedAt;
  }

  /** The credentials now held, even if stale; undefined before the first success. */
  get current(): RolesAnywhereCredentials | undefined {
    return this.#current;
  }

  /**
   * First fetch; rejects when it fails, so that a command can fail fast at start-up
   * (signer-spec.md §4 item 11). Then schedules proactive refreshes.
   */
  async start(): Promise<RolesAnywhereCredentials> {
    const creds = await this.#refresh();
    return creds;
  }

  /** Stops the timer; `get()` keeps working on demand. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Current credentials: cached ones while more than `refreshBeforeMs` remain; otherwise a refresh
   * (shared by concurrent callers). When the refresh fails, still-valid cached credentials are
   * returned; only when none remain does it reject.
   */
  async get(): Promise<RolesAnywhereCredentials> {
    const now = this.#now();
    const cur = this.#current;
    if (cur && expirationMs(cur) - now > this.#o.refreshBeforeMs) return cur;
    const usable = cur && expirationMs(cur) > now ? cur : undefined;
    if (now - this.#lastFailureAt < this.#retryDelay && !this.#inflight) {
      if (usable) return usable;
      throw this.#lastError;
    }
    try {
      return await this.#refresh();
    } catch (err) {
      const stillUsable = this.#current && expirationMs(this.#current) > this.#now() ? this.#current : undefined;
      if (stillUsable) return stillUsable;
      throw err;
    }
  }

  #refresh(): Promise<RolesAnywhereCredentials> {
    if (this.#inflight) return this.#inflight;
    const p = (async () => {
      try {
        const creds = await this.#o.fetch();
        const at = new Date(this.#now());
        this.#current = creds;
        this.#updatedAt = at;
        this.#lastError = undefined;
        this.#lastFailureAt = -Infinity;
        await this.#o.onRefreshed?.(creds, at);
        this.#schedule(expirationMs(creds) - this.#o.refreshBeforeMs - this.#now());
        return creds;
      } catch (err) {
        this.#lastError = err;
        this.#lastFailureAt = this.#now();
        const cur = this.#current;
        this.#o.onRefreshError?.(err, cur !== undefined && expirationMs(cur) > this.#now());
        this.#schedule(this.#retryDelay);
        throw err;
      } finally {
        this.#inflight = undefined;
      }
    })();
    this.#inflight = p;
    return p;
  }

  #schedule(delayMs: number): void {
    if (this.#o.proactive === false || this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    // Credentials that arrive already inside the refresh window are refreshed soon, but not in a
    // tight loop (a misconfigured endpoint could keep returning short-lived ones).
    const base = !Number.isFinite(delayMs) ? this.#retryDelay : delayMs > 0 ? delayMs : MIN_RESCHEDULE_MS;
    const wait = Math.min(Math.max(base, 1_000), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const cur = this.#current;
      if (cur && expirationMs(cur) - this.#now() > this.#o.refreshBeforeMs && this.#lastFailureAt === -Infinity) {
        // Woken early (long wait done in steps): wait again.
        this.#schedule(expirationMs(cur) - this.#o.refreshBeforeMs - this.#now());
        return;
      }
      this.#refresh().catch(() => {
        /* reported through onRefreshError; the next attempt is scheduled */
      });
    }, wait);
    if (!this.#o.keepAlive) this.#timer.unref();
  }
}
