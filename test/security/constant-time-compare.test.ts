/**
 * Control "constant-time token comparison" (docs/security.md). Every secret comparison goes
 * through `crypto.timingSafeEqual` on fixed-length digests:
 * - CA admin and enrollment tokens: `digestsEqual` (ca-server/src/authority/secret-tokens.ts), called
 *   by `CertificateAuthority.authenticateAdmin` and the enrollment token lookup after the store found
 *   a record by hash;
 * - the pinned CA fingerprint on hosts: `fingerprintsEqual` (cli/src/ca-client/fingerprint.ts);
 * - the container-credentials Authorization token of `rapki serve --container`
 *   (signer/src/providers/container/authorization.ts).
 * `node:crypto` is wrapped so the test sees each call really reach `timingSafeEqual`, and unequal
 * lengths answer false without throwing (timingSafeEqual itself throws on them).
 */
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ n: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    default: real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.n++;
      return real.timingSafeEqual(a, b);
    },
  };
});

const { digestsEqual, hashSecretToken, newSecretToken, ADMIN_TOKEN_PREFIX } = await import('../../ca-server/src/authority/secret-tokens.js');
const { CertificateAuthority } = await import('../../ca-server/src/authority/authority.js');
const { fingerprintsEqual } = await import('../../cli/src/ca-client/fingerprint.js');
const { authorizationChecker } = await import('../../signer/src/providers/container/authorization.js');

beforeEach(() => {
  calls.n = 0;
});

describe('digestsEqual (CA tokens)', () => {
  const h = hashSecretToken('rapki_at_' + 'A'.repeat(43));
  it('equal digests: true, through timingSafeEqual', () => {
    expect(digestsEqual(h, h)).toBe(true);
    expect(calls.n).toBe(1);
  });
  it('same length, one bit apart: false, through timingSafeEqual', () => {
    const other = h.slice(0, -1) + (h.endsWith('0') ? '1' : '0');
    expect(digestsEqual(h, other)).toBe(false);
    expect(calls.n).toBe(1);
  });
  it('different lengths: false without throwing', () => {
    expect(digestsEqual(h, h.slice(0, 62))).toBe(false);
    expect(digestsEqual(h.slice(0, 2), h)).toBe(false);
    expect(digestsEqual(h, h + '00')).toBe(false);
  });
  it('empty or non-hex input: false', () => {
    expect(digestsEqual('', '')).toBe(false);
    expect(digestsEqual('zz', 'zz')).toBe(false);
  });
});

describe('CertificateAuthority token checks use digestsEqual after the store lookup', () => {
  const token = newSecretToken(ADMIN_TOKEN_PREFIX, (n) => new Uint8Array(n).fill(7));
  const ca = (hashInStore: string) =>
    new CertificateAuthority({
      store: { findAdminToken: async () => ({ hash: hashInStore, role: 'admin', name: 'x', createdAt: new Date(0) }) },
      clock: () => new Date(),
    } as never);

  it('a record whose hash is not the token hash is refused (the store lookup alone is not trusted)', async () => {
    expect(await ca('f'.repeat(64)).authenticateAdmin(token)).toBeUndefined();
    expect(calls.n).toBe(1);
  });
  it('the right hash authenticates, after one constant-time comparison', async () => {
    expect(await ca(hashSecretToken(token)).authenticateAdmin(token)).toEqual({ name: 'x', role: 'admin' });
    expect(calls.n).toBe(1);
  });
  it('a malformed token is refused before any lookup', async () => {
    expect(await ca(hashSecretToken('nope')).authenticateAdmin('nope')).toBeUndefined();
    expect(calls.n).toBe(0);
  });
  it('the source compares both token kinds with digestsEqual and never with === on hashes', () => {
    // Enrollment tokens are checked in authority.ts, admin tokens in admin-tokens.ts.
    const src = ['authority.ts', 'admin-tokens.ts'].map((f) => readFileSync(new URL(`../../ca-server/src/authority/${f}`, import.meta.url), 'utf8')).join('\n');
    expect(src.match(/digestsEqual\(rec\.hash, hash\)/g)).toHaveLength(2);
    expect(src).not.toMatch(/\.hash\s*[!=]==?\s*hash|hash\s*[!=]==?\s*rec\.hash/);
  });
});

describe('fingerprintsEqual (pinned CA root) and the container Authorization check', () => {
  const fp = 'ab'.repeat(32);
  it('fingerprints: equal true, different false, different lengths false without throwing', () => {
    expect(fingerprintsEqual(fp, fp)).toBe(true);
    expect(fingerprintsEqual(fp, 'ac' + fp.slice(2))).toBe(false);
    expect(calls.n).toBe(2);
    expect(fingerprintsEqual(fp, fp.slice(2))).toBe(false);
    expect(fingerprintsEqual(fp + 'ab', fp + 'ab')).toBe(false);
  });
  it('container token: compared as SHA-256 digests, so any length is compared in constant time', () => {
    const check = authorizationChecker('test-only-container-token-0123456789');
    expect(check('test-only-container-token-0123456789')).toBe(true);
    expect(check('x')).toBe(false);
    expect(check('test-only-container-token-0123456789-longer')).toBe(false);
    expect(calls.n).toBe(3);
    expect(check(undefined)).toBe(false);
    expect(check('y'.repeat(5000))).toBe(false);
    expect(calls.n).toBe(3);
  });
});
