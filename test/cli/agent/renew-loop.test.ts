/**
 * The renewal loop shared by `rapki agent` and `rapki renew --daemon`, on virtual time: when it
 * plans, how it backs off and recovers, what ends it.
 */
import { describe, expect, it } from 'vitest';
import { RapkiError } from '../../../common/src/errors.js';
import type { DaemonEnv } from '../../../cli/src/ca-client/daemon-env.js';
import { runRenewalLoop, type RenewalOutcome } from '../../../cli/src/ca-client/renew-loop.js';
import { BACKOFF_MIN_MS, type Validity } from '../../../cli/src/ca-client/renew-schedule.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const S = 1000;

interface World {
  env: DaemonEnv;
  /** Virtual milliseconds since T0. */
  t(): number;
  sleeps: number[];
  log: string[];
  stop(): void;
}

function world(o: { mtime?: number | null; stopAfterSleeps?: number; random?: number } = {}): World {
  const ac = new AbortController();
  let offset = 0;
  const sleeps: number[] = [];
  const w: World = {
    sleeps,
    log: [],
    t: () => offset,
    stop: () => ac.abort(),
    env: {
      now: () => new Date(T0 + offset),
      random: () => o.random ?? 0.5,
      signal: ac.signal,
      sleep: async (ms) => {
        sleeps.push(ms);
        offset += ms;
        if (o.stopAfterSleeps !== undefined && sleeps.length >= o.stopAfterSleeps) ac.abort();
      },
      mtime: async () => (o.mtime === null ? undefined : new Date(T0 + (o.mtime ?? 0))),
    },
  };
  return w;
}

/** A certificate store: each renewal issues `ttlS` seconds from now, backdated 5 min like the CA. */
function certs(w: World, ttlS: number, renewImpl?: (n: number) => void) {
  let validity: Validity = { notBefore: new Date(T0 - 300 * S), notAfter: new Date(T0 + ttlS * S) };
  let n = 0;
  return {
    current: async () => validity,
    renewOnce: async (): Promise<RenewalOutcome> => {
      n += 1;
      renewImpl?.(n);
      const now = T0 + w.t();
      validity = { notBefore: new Date(now - 300 * S), notAfter: new Date(now + ttlS * S) };
      w.log.push(`renew@${w.t()}`);
      return { serial: `s${n}`, previousSerial: `s${n - 1}`, notAfter: validity.notAfter.toISOString() };
    },
  };
}

describe('runRenewalLoop', () => {
  it('counts the lifetime from the file mtime (not the backdated notBefore) and renews at 2/3 each time', async () => {
    const w = world({ mtime: 0, stopAfterSleeps: 3 });
    const c = certs(w, 90);
    const planned: number[] = [];
    await runRenewalLoop({ certificatePath: '/x', ...c, env: w.env, events: { planned: (at) => planned.push(at.getTime() - T0) } });
    expect(w.sleeps).toEqual([60 * S, 60 * S, 60 * S]);
    expect(planned).toEqual([60 * S, 120 * S, 180 * S]);
    expect(w.log).toEqual([`renew@${60 * S}`, `renew@${120 * S}`]);
  });

  it('without an mtime (or one before notBefore) the backdated lifetime applies: a short certificate renews at once', async () => {
    for (const mtime of [null, -3600 * S]) {
      const w = world({ mtime, stopAfterSleeps: 1 });
      const c = certs(w, 90);
      await runRenewalLoop({ certificatePath: '/x', ...c, env: w.env });
      expect(w.log[0]).toBe('renew@0');
      expect(w.sleeps).toEqual([60 * S]); // the next one counts from when it was obtained
    }
  });

  it('an mtime in the future counts as now', async () => {
    const w = world({ mtime: 3600 * S, stopAfterSleeps: 1 });
    await runRenewalLoop({ certificatePath: '/x', ...certs(w, 90), env: w.env });
    expect(w.sleeps).toEqual([60 * S]);
  });

  it('applies jitter within ±5 % of the lifetime', async () => {
    for (const [random, expected] of [
      [0, 60 * S - 4.5 * S],
      [0.999999, 60 * S + 4.5 * S],
    ] as const) {
      const w = world({ mtime: 0, stopAfterSleeps: 1, random });
      await runRenewalLoop({ certificatePath: '/x', ...certs(w, 90), env: w.env });
      expect(Math.abs(w.sleeps[0]! - expected)).toBeLessThan(2);
    }
  });

  it('backs off after failures (growing delays), reports each, then recovers and plans from the new certificate', async () => {
    const w = world({ mtime: 0, stopAfterSleeps: 5 });
    const c = certs(w, 3600, (n) => {
      if (n <= 3) throw new RapkiError('ca_unreachable', 'down');
    });
    const failed: [string, number][] = [];
    const kinds: string[] = [];
    await runRenewalLoop({
      certificatePath: '/x',
      ...c,
      env: w.env,
      events: { failed: (err, attempt) => failed.push([(err as RapkiError).code, attempt]), planned: (_at, kind) => kinds.push(kind) },
    });
    expect(failed).toEqual([
      ['ca_unreachable', 1],
      ['ca_unreachable', 2],
      ['ca_unreachable', 3],
    ]);
    expect(kinds).toEqual(['schedule', 'retry', 'retry', 'retry', 'schedule']);
    const [first, b1, b2, b3, next] = w.sleeps;
    expect(first).toBe(2400 * S);
    // random 0.5: 3/4 of 5 s, 10 s, 20 s.
    expect([b1, b2, b3]).toEqual([0.75 * BACKOFF_MIN_MS, 1.5 * BACKOFF_MIN_MS, 3 * BACKOFF_MIN_MS]);
    expect(next).toBe(2400 * S);
    expect(w.log).toHaveLength(1);
  });

  it('ends with the error on a refusal retrying cannot fix, without reporting it as retryable', async () => {
    const w = world({ mtime: -3600 * S });
    const c = certs(w, 90, () => {
      throw new RapkiError('certificate_revoked', 'revoked');
    });
    const failed: unknown[] = [];
    await expect(runRenewalLoop({ certificatePath: '/x', ...c, env: w.env, events: { failed: (e) => failed.push(e) } })).rejects.toMatchObject({
      code: 'certificate_revoked',
    });
    expect(failed).toEqual([]);
  });

  it('waits for the renewed handler (the exec-after hook) before planning the next renewal', async () => {
    const w = world({ mtime: -3600 * S, stopAfterSleeps: 1 });
    const order: string[] = [];
    await runRenewalLoop({
      certificatePath: '/x',
      ...certs(w, 90),
      env: w.env,
      events: {
        renewed: async () => {
          // A hook that ends on a later turn of the event loop (a child process exiting).
          await new Promise((r) => setImmediate(r));
          order.push('hook done');
        },
        planned: () => order.push('planned'),
      },
    });
    expect(order).toEqual(['hook done', 'planned']);
  });

  it('stops when the signal aborts during a sleep, without renewing', async () => {
    const w = world({ mtime: 0 });
    const c = certs(w, 90);
    const env: DaemonEnv = { ...w.env, sleep: async () => w.stop() };
    await runRenewalLoop({ certificatePath: '/x', ...c, env });
    expect(w.log).toEqual([]);
  });

  it('a sleep that wakes early (long waits are split) plans again instead of renewing', async () => {
    const w = world({ mtime: 0 });
    const c = certs(w, 30 * 86400);
    let calls = 0;
    const env: DaemonEnv = {
      ...w.env,
      sleep: async (ms) => {
        calls += 1;
        w.sleeps.push(ms);
        if (calls >= 2) w.stop();
      },
    };
    await runRenewalLoop({ certificatePath: '/x', ...c, env });
    expect(w.log).toEqual([]);
    expect(w.sleeps).toHaveLength(2);
  });

  it('unusable files end the loop with their error', async () => {
    const w = world();
    await expect(
      runRenewalLoop({
        certificatePath: '/x',
        current: async () => {
          throw new RapkiError('file_invalid', 'gone');
        },
        renewOnce: async () => ({ serial: '', previousSerial: '', notAfter: '' }),
        env: w.env,
      }),
    ).rejects.toMatchObject({ code: 'file_invalid' });
  });
});
