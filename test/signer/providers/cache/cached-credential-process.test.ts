import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedCredentialProcess } from '../../../../signer/src/providers/cache/cached-credential-process.js';
import { cacheKey, hashKeyMaterial } from '../../../../signer/src/providers/cache/cache-key.js';
import { ensurePrivateDir, resolveCacheDir } from '../../../../signer/src/providers/cache/cache-dir.js';
import { readCacheSecret } from '../../../../signer/src/providers/cache/cache-secret.js';
import { acquireLock } from '../../../../signer/src/providers/cache/lock.js';
import type { RolesAnywhereCredentials } from '../../../../signer/src/types.js';

const params = {
  trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta',
  profileArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/p',
  roleArn: 'arn:aws:iam::123456789012:role/R',
  durationSeconds: 3600,
};
const hashes = { material: 'a'.repeat(64) };

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
      { h: { material: 'c'.repeat(64) }, p: params },
      { h: { ...hashes, secrets: '["pw",null]' }, p: params },
      { h: { ...hashes, secrets: '["other",null]' }, p: params },
      { h: hashes, p: { ...params, verifyTls: false } },
      { h: hashes, p: { ...params, caBundle: 'PEM' } },
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
    // Each call misses the cache before its first await, so all six are concurrent misses. The
    // lock holder's CreateSession then waits until the lock file is there and the event loop has
    // turned (the others reach the lock and wait on it); a missing lock would make six fetches.
    const lockFile = join(dir, `${cacheKey(hashes, params)}.lock`);
    const slowFetch = async () => {
      expect(statSync(lockFile).isFile()).toBe(true);
      await new Promise((r) => setImmediate(r));
      return fetch();
    };
    const calls = Array.from({ length: 6 }, () => cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch: slowFetch, dir, now }));
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

  it('keys a password or PIN with the directory secret (created 0600 on the first miss), never in clear', async () => {
    const withPw = { ...hashes, secrets: JSON.stringify(['s3cret-pw', null]) };
    const a = await cachedCredentialProcess({ keyMaterialHashes: withPw, params, fetch, dir, now });
    expect(a.source).toBe('fetched');
    const secret = readCacheSecret(dir);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual([`${cacheKey(withPw, params, secret)}.json`, 'key'].sort());
    expect((await cachedCredentialProcess({ keyMaterialHashes: withPw, params, fetch, dir, now })).source).toBe('hit');
    // A wrong password is a miss: the fresh call decides (and fails, in real use).
    const wrong = { ...hashes, secrets: JSON.stringify(['wrong-pw', null]) };
    expect((await cachedCredentialProcess({ keyMaterialHashes: wrong, params, fetch, dir, now })).source).toBe('fetched');
    expect(() => cacheKey(withPw, params)).toThrow(TypeError);
  });

  it('one warning and an uncached call when the cache directory cannot be made (HOME=/proc/1), without spinning', async () => {
    const warnings: string[] = [];
    const started = Date.now();
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params, fetch, env: { HOME: '/proc/1' }, now, warn: (l) => warnings.push(l) });
    expect(r.source).toBe('bypass');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^rapki: warning: credential cache not used: cache_io_error: cannot create the cache directory \/proc\/1\/\.cache/);
    expect(Date.now() - started).toBeLessThan(2000);
    const missing = await cachedCredentialProcess({
      keyMaterialHashes: hashes,
      params,
      fetch,
      env: { HOME: join(base, 'no', 'such', 'home') },
      now,
      warn: (l) => warnings.push(l),
    });
    expect(missing.source).toBe('bypass');
    expect(warnings[1]).toMatch(/is not an existing directory/);
  });

  it('makes ~/.cache and ~/.cache/rapki one level at a time, 0700', () => {
    const home = join(base, 'home');
    mkdirSync(home);
    ensurePrivateDir(join(home, '.cache', 'rapki'));
    expect(statSync(join(home, '.cache')).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, '.cache', 'rapki')).mode & 0o777).toBe(0o700);
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

  it('hashes file bytes and identity, so a renewed or replaced file changes the key', async () => {
    const d = mkdtempSync(join(tmpdir(), 'rapki-hash-'));
    try {
      writeFileSync(join(d, 'c.pem'), 'cert one');
      writeFileSync(join(d, 'k.pem'), 'key');
      const src = { certificate: join(d, 'c.pem'), privateKey: join(d, 'k.pem') };
      const one = await hashKeyMaterial(src, {});
      expect(await hashKeyMaterial(src, {})).toEqual(one);
      writeFileSync(join(d, 'c.pem'), 'cert two');
      const two = await hashKeyMaterial(src, {});
      expect(two.material).not.toBe(one.material);
      expect(cacheKey(one, params)).not.toBe(cacheKey(two, params));
      // Same bytes, another file (inode) under the same name: a new entry.
      writeFileSync(join(d, 'k2.pem'), 'key');
      renameSync(join(d, 'k2.pem'), join(d, 'k.pem'));
      expect((await hashKeyMaterial(src, {})).material).not.toBe(two.material);
      await expect(hashKeyMaterial({ certificate: join(d, 'missing.pem') }, {})).rejects.toThrow();
      // Secrets: the password, the PKCS#11 PIN (pin-value, pin-source file, RAPKI_PKCS11_PIN) and the TPM key password.
      expect((await hashKeyMaterial(src, {})).secrets).toBeUndefined();
      expect((await hashKeyMaterial({ ...src, pkcs8Password: 'pw' }, {})).secrets).toBe('["pw",null,null]');
      expect((await hashKeyMaterial({ ...src, tpmKeyPassword: 'tpm-pw' }, {})).secrets).toBe('[null,null,"tpm-pw"]');
      writeFileSync(join(d, 'pin'), '1234\nsecond line');
      const tok = (uri: string, env: Record<string, string> = {}) => hashKeyMaterial({ certificate: src.certificate, privateKey: uri }, env);
      expect((await tok('pkcs11:token=t;object=k?pin-value=9999')).secrets).toBe('[null,"9999",null]');
      expect((await tok(`pkcs11:token=t;object=k?pin-source=${join(d, 'pin')}`)).secrets).toBe('[null,"1234",null]');
      expect((await tok('pkcs11:token=t;object=k', { RAPKI_PKCS11_PIN: '4321' })).secrets).toBe('[null,"4321",null]');
      // The PIN in the URI is not part of the public material (only its keyed form is).
      expect((await tok('pkcs11:token=t;object=k?pin-value=9999')).material).toBe((await tok('pkcs11:token=t;object=k?pin-value=1111')).material);
      expect((await tok('pkcs11:token=t;object=k')).material).not.toBe((await tok('pkcs11:token=t;object=other')).material);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
