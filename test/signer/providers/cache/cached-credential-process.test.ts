import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedCredentialProcess } from '../../../../signer/src/providers/cache/cached-credential-process.js';
import { cacheKey, hashKeyMaterial } from '../../../../signer/src/providers/cache/cache-key.js';
import { resolveCacheDir } from '../../../../signer/src/providers/cache/cache-dir.js';
import { acquireLock } from '../../../../signer/src/providers/cache/lock.js';
import type { RolesAnywhereCredentials } from '../../../../signer/src/types.js';

const params = {
  trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta',
  profileArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/p',
  roleArn: 'arn:aws:iam::123456789012:role/R',
  durationSeconds: 3600,
};
const hashes = { certificate: 'a'.repeat(64), privateKey: 'b'.repeat(64) };

describe('cachedCredentialProcess', () => {
  let base: string;
  let dir: string;
  let t: number;
  let fetches: number;
  const now = () => t;
  const fetch = async (): Promise<RolesAnywhereCredentials> => {
    fetches++;
    return { accessKeyId: `AK${fetches}`, secretAccessKey: 's', sessionToken: 'tok', expiration: new Date(t + 3600_000).toISOString() };
  };

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rapki-cache-'));
    dir = join(base, 'rapki');
    t = Date.UTC(2026, 0, 1);
    fetches = 0;
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('fetches once, then serves hits from a 0700 directory and a 0600 file', async () => {
    const a = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    expect(a.source).toBe('fetched');
    t += 30 * 60_000;
    const b = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    expect(b.source).toBe('hit');
    expect(b.credentials).toEqual(a.credentials);
    expect(fetches).toBe(1);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toEqual([`${cacheKey(hashes, params)}.json`]);
    expect(statSync(join(dir, files[0]!)).mode & 0o777).toBe(0o600);
  });

  it('does not reuse an entry with 15 minutes or less left', async () => {
    await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    t += 45 * 60_000; // exactly 15 min left
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    expect(r.source).toBe('fetched');
    expect(r.credentials.accessKeyId).toBe('AK2');
  });

  it('keys on key material and every session parameter', async () => {
    await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    const variants = [
      { h: { ...hashes, certificate: 'c'.repeat(64) }, p: params },
      { h: { ...hashes, privateKey: 'd'.repeat(64) }, p: params },
      { h: hashes, p: { ...params, durationSeconds: 900 } },
      { h: hashes, p: { ...params, roleSessionName: 'x' } },
      { h: hashes, p: { ...params, roleArn: 'arn:aws:iam::123456789012:role/Other' } },
      { h: hashes, p: { ...params, endpoint: 'https://127.0.0.1:1' } },
    ];
    for (const v of variants) {
      const r = await cachedCredentialProcess({ keyMaterialHashes: v.h, params: v.p, fetch, dir, now });
      expect(r.source).toBe('fetched');
    }
    expect(fetches).toBe(1 + variants.length);
  });

  it('serializes concurrent misses: one fetch for many callers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowFetch = async () => {
      await gate;
      return fetch();
    };
    const calls = Array.from({ length: 6 }, () => cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch: slowFetch, dir, now }));
    setTimeout(release, 100);
    const results = await Promise.all(calls);
    expect(fetches).toBe(1);
    expect(results.filter((r) => r.source === 'fetched')).toHaveLength(1);
    expect(new Set(results.map((r) => r.credentials.accessKeyId))).toEqual(new Set(['AK1']));
  });

  it('refuses a group/world-writable cache directory and still answers', async () => {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o777);
    const warnings: string[] = [];
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now, warn: (l) => warnings.push(l) });
    expect(r.source).toBe('bypass');
    expect(warnings.join('\n')).toMatch(/cache_dir_unsafe: .*writable by group or others/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ignores an entry readable by others', async () => {
    await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    chmodSync(join(dir, `${cacheKey(hashes, params)}.json`), 0o644);
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, now });
    expect(r.source).toBe('fetched');
  });

  it('does not cache when key material could not be hashed', async () => {
    const r = await cachedCredentialProcess({ keyMaterialHashes: undefined, params, fetch, dir, now });
    expect(r.source).toBe('bypass');
  });

  it('takes over a stale lock left by a crashed process', async () => {
    mkdirSync(dir, { mode: 0o700 });
    const lockPath = join(dir, `${cacheKey(hashes, params)}.lock`);
    writeFileSync(lockPath, '999999 crashed', { mode: 0o600 });
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockPath, old, old);
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir });
    expect(r.source).toBe('fetched');
    expect(readdirSync(dir).filter((n) => n.endsWith('.lock'))).toEqual([]);
  });

  it('gives up waiting for a live lock after the wait limit and calls CreateSession itself', async () => {
    mkdirSync(dir, { mode: 0o700 });
    const held = await acquireLock(join(dir, `${cacheKey(hashes, params)}.lock`), { staleMs: 60_000, timeoutMs: 1000, pollMs: 10 });
    const warnings: string[] = [];
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, dir, lockWaitMs: 200, warn: (l) => warnings.push(l) });
    expect(r.source).toBe('bypass');
    expect(warnings.join('\n')).toContain('cache_lock_timeout');
    held!.release();
  });
});

describe('cache location and key material', () => {
  it('prefers XDG_RUNTIME_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(resolveCacheDir({ XDG_RUNTIME_DIR: '/run/user/1000', XDG_CACHE_HOME: '/c' }, '/home/u')).toBe('/run/user/1000/rapki');
    expect(resolveCacheDir({ XDG_CACHE_HOME: '/c' }, '/home/u')).toBe('/c/rapki');
    expect(resolveCacheDir({ XDG_RUNTIME_DIR: 'relative' }, '/home/u')).toBe('/home/u/.cache/rapki');
  });

  it('hashes file bytes, so a renewed certificate changes the key', () => {
    const d = mkdtempSync(join(tmpdir(), 'rapki-hash-'));
    try {
      writeFileSync(join(d, 'c.pem'), 'cert one');
      writeFileSync(join(d, 'k.pem'), 'key');
      const one = hashKeyMaterial({ certificate: join(d, 'c.pem'), privateKey: join(d, 'k.pem') });
      writeFileSync(join(d, 'c.pem'), 'cert two');
      const two = hashKeyMaterial({ certificate: join(d, 'c.pem'), privateKey: join(d, 'k.pem') });
      expect(two.privateKey).toBe(one.privateKey);
      expect(two.certificate).not.toBe(one.certificate);
      expect(cacheKey(one, params)).not.toBe(cacheKey(two, params));
      expect(() => hashKeyMaterial({ certificate: join(d, 'missing.pem') })).toThrow();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
