import { describe, expect, it } from 'vitest';
import { RefreshingCredentialSource } from '../../../signer/src/providers/refreshing-source.js';
import type { RolesAnywhereCredentials } from '../../../signer/src/types.js';

function creds(n: number, expiresAt: number): RolesAnywhereCredentials {
  return { accessKeyId: `AK${n}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(expiresAt).toISOString() };
}

describe('RefreshingCredentialSource', () => {
  it('shares one fetch between concurrent callers', async () => {
    let t = 0;
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

  it('fails fast at start when the first fetch fails', async () => {
    const s = new RefreshingCredentialSource({
      fetch: async () => {
        throw new Error('boom');
      },
      refreshBeforeMs: 600_000,
      proactive: false,
    });
    await expect(s.start()).rejects.toThrow('boom');
    expect(s.current).toBeUndefined();
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
      retryDelayMs: 30_000,
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
    await expect(s.get()).rejects.toThrow('down'); // inside the retry delay: the last error, no new attempt
    expect(fetches).toBe(4);
  });

  it('refreshes proactively on a timer and reports each refresh', async () => {
    let fetches = 0;
    const seen: string[] = [];
    const s = new RefreshingCredentialSource({
      // expires 1.2 s from now; refresh window 0.1 s → timer after ~1.1 s (timers wait at least 1 s)
      fetch: async () => creds(++fetches, Date.now() + 1_200),
      refreshBeforeMs: 100,
      onRefreshed: (c) => {
        seen.push(c.accessKeyId);
      },
    });
    await s.start();
    await new Promise((r) => setTimeout(r, 1_500));
    s.stop();
    expect(fetches).toBeGreaterThanOrEqual(2);
    expect(seen.slice(0, 2)).toEqual(['AK1', 'AK2']);
  });
});
