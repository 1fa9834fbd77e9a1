/**
 * A credential source for long-running modes (`rapki serve`, `rapki update`, the agent): it
 * refreshes before expiry, keeps the last good credentials while a refresh fails, retries failed
 * attempts with exponential backoff, and refreshes as soon as the certificate or key files change.
 *
 * Why:
 * - The official helper's `serve` returned an empty "Success" document after a failed refresh and
 *   hammered CreateSession on every GET (aws/rolesanywhere-credential-helper#200). Here a failure leaves the
 *   previous credentials in place until they actually expire, at most one CreateSession runs at a
 *   time, and the next attempt waits for the backoff step (1 s, 2 s, 4 s, … up to a cap).
 * - At boot the network or the endpoint may not be up yet: the first attempt failing is not fatal
 *   ({@link RefreshingCredentialSource.start} resolves undefined and retries on the backoff), so a
 *   service started before its network serves credentials once the endpoint answers.
 * - A renewed certificate (`rapki agent`, `rapki renew`, any tool) should be used at once, not at
 *   the next expiry: `sourceStamp` (a cheap stat fingerprint of the files) is polled, and a change
 *   that holds for two polls (a renewal writes two files) triggers a refresh.
 *
 * `fetch` is expected to load the key source again on every call (the caller's closure does
 * `loadKeySigner(…)` then `createSession(…)`), so the refresh uses the files as they are now.
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
  /** First backoff step after a failure (default 1 s); doubled per consecutive failure. */
  readonly retryBaseMs?: number | undefined;
  /** Largest backoff step (default 60 s). */
  readonly retryCapMs?: number | undefined;
  /** [0, 1) for the backoff jitter (each step waits between half and all of it); default Math.random. */
  readonly random?: (() => number) | undefined;
  /** Schedule refreshes and retries on timers instead of only on demand (default true). */
  readonly proactive?: boolean | undefined;
  /** Milliseconds since the epoch (injected clock). */
  readonly now?: (() => number) | undefined;
  /** Called after every successful fetch (e.g. to rewrite the credentials file). May throw. */
  readonly onRefreshed?: ((creds: RolesAnywhereCredentials, at: Date) => void | Promise<void>) | undefined;
  /**
   * Called once per failed attempt: whether still-valid credentials remain, and in how many
   * milliseconds the next attempt is due.
   */
  readonly onRefreshError?: ((err: unknown, hasLastGood: boolean, retryInMs: number) => void) | undefined;
  /** Keep the process alive for the timers (`rapki update` has nothing else to wait on). */
  readonly keepAlive?: boolean | undefined;
  /**
   * A cheap fingerprint of what `fetch` reads (see signer/src/keys/key-source-stamp.ts); when it
   * changes, the source refreshes without waiting for expiry. Must not throw.
   */
  readonly sourceStamp?: (() => string) | undefined;
  /** How often `sourceStamp` is polled (default 2 s). */
  readonly stampPollMs?: number | undefined;
  /** Called when a change of the source triggers a refresh. */
  readonly onSourceChanged?: (() => void) | undefined;
}

const DEFAULT_RETRY_BASE_MS = 1_000;
const DEFAULT_RETRY_CAP_MS = 60_000;
const DEFAULT_STAMP_POLL_MS = 2_000;
/** Wait before refreshing credentials that arrived already inside the refresh window. */
const MIN_RESCHEDULE_MS = 5_000;
/** setTimeout's ceiling (2^31 − 1 ms); longer waits are done in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds since the epoch of an ISO-8601 expiration, or NaN. */
export function expirationMs(creds: RolesAnywhereCredentials): number {
  return Date.parse(creds.expiration);
}

/** Backoff step `n` (1-based) with "equal jitter": between half and all of min(cap, base · 2^(n−1)). */
export function backoffStepMs(n: number, baseMs: number, capMs: number, random: () => number): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, n - 1), 30));
  return Math.floor(full / 2 + random() * (full / 2));
}

export class RefreshingCredentialSource implements CredentialSource {
  readonly #o: RefreshingSourceOptions;
  readonly #now: () => number;
  #current: RolesAnywhereCredentials | undefined;
  #updatedAt: Date | undefined;
  #inflight: Promise<RolesAnywhereCredentials> | undefined;
  #lastError: unknown;
  #failures = 0;
  #nextAttemptAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  /** Stamp of the source when the last attempt started, and at the previous poll. */
  #attemptStamp: string | undefined;
  #polledStamp: string | undefined;
  #stopped = false;

  constructor(options: RefreshingSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
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
   * First fetch, then the timers. Resolves to the credentials, or to undefined when the attempt
   * failed: the failure went to `onRefreshError` and the next attempt is scheduled (boot before
   * the network is up is not fatal).
   */
  async start(): Promise<RolesAnywhereCredentials | undefined> {
    this.#startPolling();
    try {
      return await this.#refresh();
    } catch {
      return undefined;
    }
  }

  /** Stops the timers; `get()` keeps working on demand. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poll) clearInterval(this.#poll);
    this.#timer = undefined;
    this.#poll = undefined;
  }

  /**
   * Current credentials: cached ones while more than `refreshBeforeMs` remain; otherwise a refresh
   * (shared by concurrent callers). When the refresh fails, still-valid cached credentials are
   * returned; only when none remain does it reject. During a backoff step no attempt is made: the
   * last error (or the still-valid credentials) is the answer.
   */
  async get(): Promise<RolesAnywhereCredentials> {
    const now = this.#now();
    const cur = this.#current;
    if (cur && expirationMs(cur) - now > this.#o.refreshBeforeMs) return cur;
    const usable = cur && expirationMs(cur) > now ? cur : undefined;
    if (!this.#inflight && now < this.#nextAttemptAt) {
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
      this.#attemptStamp = this.#o.sourceStamp?.();
      try {
        const creds = await this.#o.fetch();
        const at = new Date(this.#now());
        this.#current = creds;
        this.#updatedAt = at;
        this.#lastError = undefined;
        this.#failures = 0;
        this.#nextAttemptAt = -Infinity;
        await this.#o.onRefreshed?.(creds, at);
        this.#schedule(expirationMs(creds) - this.#o.refreshBeforeMs - this.#now());
        return creds;
      } catch (err) {
        this.#lastError = err;
        this.#failures++;
        const delay = backoffStepMs(
          this.#failures,
          this.#o.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
          this.#o.retryCapMs ?? DEFAULT_RETRY_CAP_MS,
          this.#o.random ?? Math.random,
        );
        this.#nextAttemptAt = this.#now() + delay;
        const cur = this.#current;
        this.#o.onRefreshError?.(err, cur !== undefined && expirationMs(cur) > this.#now(), delay);
        this.#schedule(delay, true);
        throw err;
      } finally {
        this.#inflight = undefined;
      }
    })();
    this.#inflight = p;
    return p;
  }

  #schedule(delayMs: number, retry = false): void {
    if (this.#o.proactive === false || this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    // Credentials that arrive already inside the refresh window are refreshed soon, but not in a
    // tight loop (a misconfigured endpoint could keep returning short-lived ones).
    const base = !Number.isFinite(delayMs) ? DEFAULT_RETRY_CAP_MS : delayMs > 0 ? delayMs : retry ? 0 : MIN_RESCHEDULE_MS;
    const wait = Math.min(Math.max(base, retry ? 0 : 1_000), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const cur = this.#current;
      if (cur && expirationMs(cur) - this.#now() > this.#o.refreshBeforeMs && this.#failures === 0) {
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

  /** Polls `sourceStamp`; a change seen on two polls in a row starts a refresh at once. */
  #startPolling(): void {
    const stamp = this.#o.sourceStamp;
    if (!stamp || this.#o.proactive === false || this.#stopped || this.#poll) return;
    this.#poll = setInterval(() => {
      const s = stamp();
      const settled = s === this.#polledStamp;
      this.#polledStamp = s;
      if (!settled || this.#inflight || this.#attemptStamp === undefined || s === this.#attemptStamp) return;
      this.#o.onSourceChanged?.();
      // New inputs: the backoff of the old ones no longer applies.
      this.#failures = 0;
      this.#nextAttemptAt = -Infinity;
      this.#refresh().catch(() => {
        /* reported through onRefreshError */
      });
    }, this.#o.stampPollMs ?? DEFAULT_STAMP_POLL_MS);
    this.#poll.unref();
  }
}
