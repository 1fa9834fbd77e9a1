/**
 * The ONE renewal loop, shared by `rapki agent` and `rapki renew --daemon`: sleep until about 2/3
 * of the certificate's lifetime (with jitter), renew, repeat; after a failure, retry with capped
 * exponential backoff while the old certificate stays in place (the files are only ever replaced
 * by a complete new set, see `common/src/fs/atomic-write.ts`). A refusal that retrying cannot fix (revoked,
 * expired, unknown, blocked) ends the loop by throwing it; a stop signal ends it normally.
 *
 * The schedule itself is pure (`renew-schedule.ts`); this file only sequences it.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import type { DaemonEnv } from './daemon-env.js';
import { backoffDelayMs, renewalDelayMs, TERMINAL_RENEW_CODES, type Validity } from './renew-schedule.js';

export interface RenewalOutcome {
  readonly serial: string;
  readonly previousSerial: string;
  readonly notAfter: string;
}

/** What the loop reports; the agent logs JSON lines, `renew --daemon` its plain lines. */
export interface RenewalLoopEvents {
  /** The next attempt is planned for `at` (`retry`: after a failure). */
  planned?(at: Date, kind: 'schedule' | 'retry'): void;
  /** New files are in place. Awaited (the agent runs `--exec-after` here); must not throw. */
  renewed?(outcome: RenewalOutcome): void | Promise<void>;
  /** Attempt number `attempt` failed with a retryable error; the old certificate stays. */
  failed?(err: unknown, attempt: number): void;
}

export interface RenewalLoopOptions {
  /** Path of the certificate file (its mtime tells when it was obtained, before the first renewal). */
  readonly certificatePath: string;
  /** Validity of the certificate now on disk; throws when the files are unusable (terminal). */
  readonly current: () => Promise<Validity>;
  /** One renewal, replacing the files atomically. */
  readonly renewOnce: () => Promise<RenewalOutcome>;
  readonly env: DaemonEnv;
  readonly events?: RenewalLoopEvents | undefined;
}

/** True for errors after which retrying with the same certificate cannot succeed. */
export function isTerminalRenewError(err: unknown): boolean {
  return isRapkiError(err) && TERMINAL_RENEW_CODES.has(err.code);
}

/**
 * When the certificate on disk was obtained: its file's mtime, within [notBefore, now]. The CA
 * backdates notBefore by 5 minutes for clock skew; counting the lifetime from notBefore would make a
 * short-lived certificate look 2/3 used the moment it was issued, and every restart of the agent
 * would renew at once.
 */
async function initialObtainedAt(o: RenewalLoopOptions, v: Validity): Promise<Date | undefined> {
  const m = await o.env.mtime?.(o.certificatePath);
  if (!m) return undefined;
  const t = Math.min(o.env.now().getTime(), Math.max(v.notBefore.getTime(), m.getTime()));
  return new Date(t);
}

/** Runs until `env.signal` aborts (resolves) or a terminal refusal (rejects with it). */
export async function runRenewalLoop(o: RenewalLoopOptions): Promise<void> {
  const { env } = o;
  const ev = o.events ?? {};
  let failures = 0;
  let obtainedAt: Date | undefined;
  let first = true;
  while (!env.signal.aborted) {
    const validity = await o.current();
    if (first) {
      obtainedAt = await initialObtainedAt(o, validity);
      first = false;
    }
    const now = env.now();
    const wait = failures === 0 ? renewalDelayMs(validity, now, env.random, obtainedAt) : backoffDelayMs(failures, validity, now, env.random);
    if (wait > 0) {
      const target = now.getTime() + wait;
      ev.planned?.(new Date(target), failures === 0 ? 'schedule' : 'retry');
      await env.sleep(wait, env.signal);
      if (env.signal.aborted) break;
      // Woken early (long waits are split): plan again from the certificate on disk.
      if (env.now().getTime() < target - 1000) continue;
    }
    let outcome: RenewalOutcome;
    try {
      outcome = await o.renewOnce();
    } catch (err) {
      if (isTerminalRenewError(err)) throw err;
      failures += 1;
      ev.failed?.(err, failures);
      continue;
    }
    obtainedAt = env.now();
    failures = 0;
    await ev.renewed?.(outcome);
  }
}
