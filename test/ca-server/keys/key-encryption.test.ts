import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { decryptCaKey, encryptCaKey, ENCRYPTED_KEY_LABEL, KEY_ERROR_CODES } from '../../../ca-server/src/keys/index.js';
import { flipByte } from '../../support/bytes.js';

// Minimum accepted cost keeps the tests fast; the default (N = 2^15) is exercised once.
const FAST = { N: 2 ** 14 };

describe('CA key encryption at rest (scrypt + AES-256-GCM)', () => {
  it('round-trips EC and RSA keys; the text is labelled and carries the KDF parameters', () => {
    for (const kp of [generateKeyPairSync('ec', { namedCurve: 'P-384' }), generateKeyPairSync('rsa', { modulusLength: 2048 })]) {
      const text = encryptCaKey(kp.privateKey, 'correct horse battery staple', FAST);
      expect(text.startsWith(`-----BEGIN ${ENCRYPTED_KEY_LABEL}-----\n`)).toBe(true);
      expect(text).toContain('KDF: scrypt N=16384 r=8 p=1');
      expect(text).toContain('Cipher: aes-256-gcm');
      // The plaintext key does not appear.
      const der = kp.privateKey.export({ format: 'der', type: 'pkcs8' });
      expect(text).not.toContain(der.toString('base64').slice(0, 40));
      const back = decryptCaKey(text, 'correct horse battery staple');
      expect(back.export({ format: 'der', type: 'pkcs8' }).equals(der)).toBe(true);
      const sig = sign('sha256', Buffer.from('x'), back);
      expect(verify('sha256', Buffer.from('x'), createPublicKey(kp.privateKey), sig)).toBe(true);
    }
  });

  it('uses N = 2^15 by default and fresh salt and IV every time', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const a = encryptCaKey(privateKey, 'pw');
    const b = encryptCaKey(privateKey, 'pw');
    expect(a).toContain('KDF: scrypt N=32768 r=8 p=1');
    expect(a).not.toBe(b);
    expect(/Salt: (.*)/.exec(a)![1]).not.toBe(/Salt: (.*)/.exec(b)![1]);
    expect(decryptCaKey(b, 'pw').asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('a wrong passphrase gives ca_key_wrong_passphrase; edits to the header or body are detected', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const text = encryptCaKey(privateKey, 'right', FAST);
    expect(() => decryptCaKey(text, 'wrong')).toThrow(expect.objectContaining({ code: 'ca_key_wrong_passphrase' }));
    // Header is authenticated: change the IV.
    const iv = /IV: (.*)/.exec(text)![1]!;
    const flippedIv = Buffer.from(iv, 'base64');
    flipByte(flippedIv, 0);
    expect(() => decryptCaKey(text.replace(iv, flippedIv.toString('base64')), 'right')).toThrow(expect.objectContaining({ code: 'ca_key_wrong_passphrase' }));
    // Body flip.
    const lines = text.split('\n');
    const bodyLine = lines.findIndex((l) => l === '') + 1;
    lines[bodyLine] = (lines[bodyLine]![0] === 'A' ? 'B' : 'A') + lines[bodyLine]!.slice(1);
    expect(() => decryptCaKey(lines.join('\n'), 'right')).toThrow(expect.objectContaining({ code: 'ca_key_wrong_passphrase' }));
    // CRLF line endings still decrypt.
    expect(decryptCaKey(text.replace(/\n/g, '\r\n'), 'right').type).toBe('private');
  });

  it('refuses malformed files, absurd scrypt parameters and empty passphrases', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const text = encryptCaKey(privateKey, 'pw', FAST);
    expect(() => decryptCaKey('nope', 'pw')).toThrow(expect.objectContaining({ code: 'ca_key_malformed' }));
    expect(() => decryptCaKey(text.replace('N=16384', 'N=1073741824'), 'pw')).toThrow(expect.objectContaining({ code: 'ca_key_malformed' }));
    expect(() => decryptCaKey(text.replace('N=16384', 'N=1024'), 'pw')).toThrow(expect.objectContaining({ code: 'ca_key_malformed' }));
    expect(() => decryptCaKey(text.replace('aes-256-gcm', 'aes-128-cbc'), 'pw')).toThrow(expect.objectContaining({ code: 'ca_key_malformed' }));
    expect(() => encryptCaKey(privateKey, '')).toThrow(expect.objectContaining({ code: 'ca_key_passphrase_missing' }));
    expect(() => decryptCaKey(text, '')).toThrow(expect.objectContaining({ code: 'ca_key_passphrase_missing' }));
    expect(() => encryptCaKey(privateKey, 'pw', { N: 1000 })).toThrow(TypeError);
  });

  it('every code thrown here is in the KEY_ERROR_CODES table', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const text = encryptCaKey(privateKey, 'pw', FAST);
    const codes = new Set<string>();
    for (const f of [() => decryptCaKey(text, 'x'), () => decryptCaKey('x', 'pw'), () => decryptCaKey(text, '')]) {
      try {
        f();
      } catch (err) {
        codes.add((err as { code: string }).code);
      }
    }
    expect([...codes].sort()).toEqual(['ca_key_malformed', 'ca_key_passphrase_missing', 'ca_key_wrong_passphrase']);
    for (const c of codes) expect(Object.keys(KEY_ERROR_CODES)).toContain(c);
  });
});
