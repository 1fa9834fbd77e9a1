/**
 * Hostile input for the CA key file reader `decryptCaKey` (`ca-server/src/keys/`): damaged
 * armour, headers and bodies, absurd scrypt parameters, huge files. Each call returns a key only
 * for the intact file, else throws a KEY_ERROR_CODES error, in bounded time (test/support/fuzz.ts).
 *
 * Few cases by design: every input that passes the header checks costs one scrypt derivation
 * (N = 2^14 here, tens of milliseconds).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { decryptCaKey, encryptCaKey, ENCRYPTED_KEY_LABEL, KEY_ERROR_CODES } from '../../ca-server/src/keys/index.js';
import { MAX_CASE_MS, coded, fuzzProperty, fuzzTimeout, mutatedText, withSeed } from '../support/fuzz.js';

const FAST = { N: 2 ** 14 };
/** One scrypt derivation (N = 2^14, ~40 ms alone) per case here: a looser bound than parsers get. */
const KDF_CASE_MS = 1_000;
const PASS = 'test-only-fuzz-passphrase';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const text = encryptCaKey(ec, PASS, FAST);
const der = ec.export({ format: 'der', type: 'pkcs8' });

describe('fuzz: CA key file (decryptCaKey)', () => {
  it(
    'armour and header parser: thousands of damaged files, all refused before any key derivation',
    () => {
      // N=1024 is below the window: every damaged copy stops in the parser, so this runs fast.
      const cheap = text.replace('N=16384', 'N=1024');
      fuzzProperty('decryptCaKey (armour/header, no KDF)', mutatedText([cheap, cheap.replace(/\n/g, '\r\n')]), 10_000, (t) => {
        const r = coded(() => decryptCaKey(t, PASS), KEY_ERROR_CODES);
        expect(r).toEqual({ ok: false, code: 'ca_key_malformed' });
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'damaged files through the KDF: the intact key or a coded ca_key_* error',
    () => {
      withSeed(() => {
        const codes = new Map<string, number>();
        fuzzProperty(
          'decryptCaKey (damaged text)',
          mutatedText([text]),
          40,
          (t) => {
            const r = coded(() => decryptCaKey(t, PASS), KEY_ERROR_CODES);
            const k = r.ok ? 'ok' : r.code;
            codes.set(k, (codes.get(k) ?? 0) + 1);
            // Whatever still decrypts is the very key that was sealed (GCM covers header and body).
            if (r.ok) expect(r.value.export({ format: 'der', type: 'pkcs8' }).equals(der)).toBe(true);
          },
          KDF_CASE_MS,
        );
        expect(codes.get('ca_key_malformed')).toBeGreaterThan(0);
      });
    },
    fuzzTimeout(60_000),
  );

  it(
    'hostile passphrases are only ever wrong',
    () => {
      fuzzProperty(
        'decryptCaKey (passphrases)',
        fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 40 })),
        8,
        (pw) => {
          const r = coded(() => decryptCaKey(text, pw), KEY_ERROR_CODES);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(['ca_key_wrong_passphrase', 'ca_key_passphrase_missing']).toContain(r.code);
        },
        KDF_CASE_MS,
      );
    },
    fuzzTimeout(30_000),
  );

  it('refuses scrypt parameters that would cost gigabytes before deriving anything', () => {
    for (const kdf of ['N=1048576 r=16 p=4', 'N=1048576 r=8 p=1', 'N=262144 r=16 p=1', 'N=16384 r=16 p=16', 'N=16384 r=0 p=1']) {
      const t0 = performance.now();
      expect(coded(() => decryptCaKey(text.replace('N=16384 r=8 p=1', kdf), PASS), KEY_ERROR_CODES)).toEqual({ ok: false, code: 'ca_key_malformed' });
      expect(performance.now() - t0).toBeLessThan(MAX_CASE_MS);
    }
    expect(() => encryptCaKey(ec, PASS, { N: 2 ** 20, r: 8 })).toThrow(TypeError);
  });

  it('armour scanning is linear: 64 KiB of blank lines or CRLFs is refused at once (was seconds)', () => {
    const begin = `-----BEGIN ${ENCRYPTED_KEY_LABEL}-----\n`;
    for (const body of [
      '\n'.repeat(60_000),
      '\r\n'.repeat(30_000),
      `a: b\n\n${'A\n'.repeat(30_000)}`,
      `${'\n\n'.repeat(20_000)}-----END ${ENCRYPTED_KEY_LABEL}-----`,
    ]) {
      const t0 = performance.now();
      expect(coded(() => decryptCaKey(begin + body, PASS), KEY_ERROR_CODES)).toEqual({ ok: false, code: 'ca_key_malformed' });
      expect(performance.now() - t0).toBeLessThan(MAX_CASE_MS);
    }
    expect(coded(() => decryptCaKey('x'.repeat(64 * 1024 + 1), PASS), KEY_ERROR_CODES)).toEqual({ ok: false, code: 'ca_key_malformed' });
    // CRLF files and surrounding text still work.
    expect(decryptCaKey(`note\r\n${text.replace(/\n/g, '\r\n')}trailer`, PASS).type).toBe('private');
  });
});
