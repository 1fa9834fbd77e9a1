import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffStepMs, RefreshingCredentialSource } from '../../../signer/src/providers/refreshing-source.js';
import type { RolesAnywhereCredentials } from '../../../signer/src/types.js';

function creds(n: number, expiresAt: number): RolesAnywhereCredentials {
  return { accessKeyId: `AK${n}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(expiresAt).toISOString() };
}

describe('RefreshingCredentialSource', () => {
  it('shares one fetch between concurrent callers', async () => {
    const t = 0;
    let fetches = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = new RefreshingCredentialSource({
      fetch: async () => {
        fetches++;
        await gate;
        return creds(fetches, t + 3600_000);
      },
      refreshBeforeMs: 600_000,
      proactive: false,
      now: () => t,
    });
    const all = Promise.all([s.get(), s.get(), s.get()]);
    release();
    const got = await all;
    expect(fetches).toBe(1);
    expect(new Set(got.map((c) => c.accessKeyId))).toEqual(new Set(['AK1']));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps going when the first fetch fails: retries on a doubling backoff, one report per attempt, then serves', async () => {
    vi.useFakeTimers();
    let t = 0;
    vi.setSystemTime(0);
    let fetches = 0;
    let up = false;
    const reports: [string, boolean, number][] = [];
    const s = new RefreshingCredentialSource({
      fetch: async () => {
        fetches++;
        if (!up) throw new Error(`down ${fetches}`);
        return creds(fetches, t + 3600_000);
      },
      refreshBeforeMs: 600_000,
      retryBaseMs: 1000,
      retryCapMs: 4000,
      random: () => 0.999_999, // the whole step (jitter keeps between half and all of it)
      now: () => t,
      onRefreshError: (e, last, retryIn) => reports.push([(e as Error).message, last, retryIn]),
    });
    expect(await s.start()).toBeUndefined();
    expect(reports).toEqual([['down 1', false, 999]]);
    await expect(s.get()).rejects.toThrow('down 1'); // inside the backoff step: no new attempt
    expect(fetches).toBe(1);
    for (const step of [999, 1999, 3999]) {
      t += step;
      await vi.advanceTimersByTimeAsync(step);
    }
    expect(reports.map((r) => r[2])).toEqual([999, 1999, 3999, 3999]); // capped at 4 s
    expect(fetches).toBe(4);
    up = true;
    t += 3999;
    await vi.advanceTimersByTimeAsync(3999);
    expect(fetches).toBe(5);
    expect((await s.get()).accessKeyId).toBe('AK5');
    s.stop();
  });

  it('the backoff step: between half and all of min(cap, base * 2^(n-1))', () => {
    expect([1, 2, 3, 10].map((n) => backoffStepMs(n, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 30_000]);
    expect(backoffStepMs(40, 1000, 60_000, () => 0.999)).toBeLessThanOrEqual(60_000);
  });

  it('refreshes as soon as the source stamp changes and holds for two polls (a renewal writes two files)', async () => {
    vi.useFakeTimers();
    let stamp = 'cert-1';
    let fetches = 0;
    const changes: number[] = [];
    const s = new RefreshingCredentialSource({
      fetch: async () => creds(++fetches, Date.now() + 3600_000),
      refreshBeforeMs: 600_000,
      sourceStamp: () => stamp,
      stampPollMs: 1000,
      onSourceChanged: () => changes.push(fetches),
    });
    await s.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetches).toBe(1); // unchanged files: no refresh before expiry
    stamp = 'cert-2-half';
    await vi.advanceTimersByTimeAsync(1000);
    stamp = 'cert-2';
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetches).toBe(1); // still settling
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetches).toBe(2);
    expect(changes).toEqual([1]);
    expect((await s.get()).accessKeyId).toBe('AK2');
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetches).toBe(2);
    s.stop();
  });

  it('spaces out attempts after a failure (no CreateSession storm)', async () => {
    let t = 0;
    let fetches = 0;
    let fail = false;
    const errors: boolean[] = [];
    const s = new RefreshingCredentialSource({
      fetch: async () => {
        fetches++;
        if (fail) throw new Error('down');
        return creds(fetches, t + 3600_000);
      },
      refreshBeforeMs: 600_000,
      retryBaseMs: 60_000, // first step 30..60 s; with random 0: exactly 30 s
      random: () => 0,
      proactive: false,
      now: () => t,
      onRefreshError: (_e, hasLastGood) => errors.push(hasLastGood),
    });
    await s.start();
    t = 3000_000 + 1; // inside the refresh window
    fail = true;
    expect((await s.get()).accessKeyId).toBe('AK1');
    expect((await s.get()).accessKeyId).toBe('AK1');
    expect(fetches).toBe(2); // the second get() did not retry within 30 s
    t += 30_000;
    await s.get();
    expect(fetches).toBe(3);
    expect(errors).toEqual([true, true]);
    errors.length = 0;
    t = 3600_000 + 1; // expired and still failing: no last-good left
    await expect(s.get()).rejects.toThrow('down');
    expect(fetches).toBe(4);
    await expect(s.get()).rejects.toThrow('down'); // inside the backoff step: the last error, no new attempt
    expect(fetches).toBe(4);
  });

  it('refreshes proactively on a timer and reports each refresh', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    let fetches = 0;
    const seen: string[] = [];
    const s = new RefreshingCredentialSource({
      // expires 1.2 s from now; refresh window 0.1 s → timer after 1.1 s (timers wait at least 1 s)
      fetch: async () => creds(++fetches, Date.now() + 1_200),
      refreshBeforeMs: 100,
      onRefreshed: (c) => {
        seen.push(c.accessKeyId);
      },
    });
    await s.start();
    await vi.advanceTimersByTimeAsync(1_099);
    expect(fetches).toBe(1); // not before the refresh window opens
    await vi.advanceTimersByTimeAsync(1);
    expect(fetches).toBe(2);
    expect(seen).toEqual(['AK1', 'AK2']);
    await vi.advanceTimersByTimeAsync(1_100);
    s.stop();
    expect(seen).toEqual(['AK1', 'AK2', 'AK3']); // and again for the refreshed credentials
  });
});
