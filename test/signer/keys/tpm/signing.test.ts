/**
 * The signing choices of TPM keys, without a TPM: the digest and scheme sent to TPM2_Sign (as
 * aws_signing_helper chooses them), the DER made from the TPM's (r, s), the keys refused, and the
 * password rules. The (r, s) here come from node:crypto, so a wrong padding or DER would not verify.
 */
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hostKeyTemplate, type TpmPublic } from '../../../../signer/src/keys/tpm/public-area.js';
import { checkSigningKey, signRequest } from '../../../../signer/src/keys/tpm/signing.js';
import { keyAuthValue } from '../../../../signer/src/keys/tpm/key-password.js';
import { parseTpmHandle } from '../../../../signer/src/keys/tpm/tpm-key-signer.js';
import { TPMA_OBJECT_RESTRICTED, TPMA_OBJECT_SIGN } from '../../../../signer/src/keys/tpm/constants.js';

const DATA = Buffer.from('AWS4-X509-ECDSA-SHA256\n20260101T000000Z\nscope\nhash');
const sha256 = createHash('sha256').update(DATA).digest();

describe('TPM2_Sign requests', () => {
  it('P-256: the SHA-256 digest as is, told SHA-256', () => {
    const r = signRequest(hostKeyTemplate({ ec: 'P-256' }), DATA, 'sha256', 'k');
    expect([r.scheme, r.hashAlg]).toEqual([0x0018, 0x000b]);
    expect(r.digest).toEqual(sha256);
  });

  it('P-384: the SHA-256 digest left-padded to 48 bytes, told SHA-384 (the official helper); the result is ECDSA-SHA256', () => {
    const tpl = hostKeyTemplate({ ec: 'P-384' });
    const r = signRequest(tpl, DATA, 'sha256', 'k');
    expect([r.scheme, r.hashAlg]).toEqual([0x0018, 0x000c]);
    expect(r.digest).toEqual(Buffer.concat([Buffer.alloc(16), sha256]));
    // Stand in for the TPM: ECDSA over that 48-byte value as a prehashed digest is ECDSA-SHA256.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    for (let i = 0; i < 20; i++) {
      const data = Buffer.from(`m${i}`);
      const req = signRequest(tpl, data, 'sha256', 'k');
      const p1363 = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      // As the TPM returns them: minimal big-endian r and s (leading zeros dropped).
      const strip = (b: Buffer) => b.subarray(b.findIndex((x) => x !== 0));
      const der = req.encode({ kind: 'ecdsa', hashAlg: 0x0c, r: strip(p1363.subarray(0, 48)), s: strip(p1363.subarray(48)) });
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
      expect(verify('sha384', data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(false);
    }
  });

  it('sign-string digests: SHA-512 on P-384 is cut to the curve size (FIPS 186 leftmost bits)', () => {
    const r = signRequest(hostKeyTemplate({ ec: 'P-384' }), DATA, 'sha512', 'k');
    expect(r.digest).toEqual(createHash('sha512').update(DATA).digest().subarray(0, 48));
  });

  it('RSA: RSASSA with the requested hash', () => {
    const r = signRequest(hostKeyTemplate({ rsaBits: 2048 }), DATA, 'sha256', 'k');
    expect([r.scheme, r.hashAlg, r.digest]).toEqual([0x0014, 0x000b, sha256]);
    expect(signRequest(hostKeyTemplate({ rsaBits: 2048 }), DATA, 'sha384', 'k').hashAlg).toBe(0x000c);
  });

  it('keys fixed to a scheme: ECDSA-SHA256 on P-384 sends 32 bytes; SHA-512 on P-256 or RSAPSS are refused', () => {
    const fixed = (base: TpmPublic, scheme: number, hashAlg: number): TpmPublic => ({ ...base, scheme: { scheme, hashAlg } });
    const p384 = signRequest(fixed(hostKeyTemplate({ ec: 'P-384' }), 0x18, 0x0b), DATA, 'sha256', 'k');
    expect([p384.hashAlg, p384.digest]).toEqual([0x0b, sha256]);
    expect(() => signRequest(fixed(hostKeyTemplate({ ec: 'P-256' }), 0x18, 0x0d), DATA, 'sha256', 'k')).toThrow(
      expect.objectContaining({ code: 'tpm_key_unsupported' }),
    );
    expect(() => checkSigningKey(fixed(hostKeyTemplate({ rsaBits: 2048 }), 0x16, 0x0b), 'k')).toThrow(expect.objectContaining({ code: 'tpm_key_unsupported' }));
  });

  it('keys without the sign attribute and restricted keys are refused with what to do', () => {
    const t = hostKeyTemplate({ ec: 'P-256' });
    expect(() => checkSigningKey({ ...t, objectAttributes: t.objectAttributes & ~TPMA_OBJECT_SIGN }, 'the key')).toThrow(
      expect.objectContaining({ code: 'tpm_key_unsupported', message: expect.stringMatching(/sign attribute/) }),
    );
    expect(() => checkSigningKey({ ...t, objectAttributes: t.objectAttributes | TPMA_OBJECT_RESTRICTED }, 'the key')).toThrow(
      expect.objectContaining({ code: 'tpm_key_unsupported', message: expect.stringMatching(/restricted/) }),
    );
  });
});

describe('handles and passwords', () => {
  it('handle:0x81000001 and handle:81000001 (as the official helper); anything not persistent is refused', () => {
    expect(parseTpmHandle('handle:0x81000001')).toBe(0x81000001);
    expect(parseTpmHandle('handle:81000101')).toBe(0x81000101);
    for (const bad of ['handle:0x80000001', 'handle:0x40000001', 'handle:', 'handle:0x8100000g', 'handle:0x810000011']) {
      expect(() => parseTpmHandle(bad)).toThrow(expect.objectContaining({ code: 'tpm_handle_invalid' }));
    }
  });

  const file = (emptyAuth: boolean | undefined) => ({ emptyAuth, describe: 'the key', maxBytes: 32 });

  it('a key file decides: emptyAuth → no password (a given one is refused); else one is required, never prompted', () => {
    expect(keyAuthValue({}, file(true))).toEqual(Buffer.alloc(0));
    expect(() => keyAuthValue({ tpmKeyPassword: 'x' }, file(true))).toThrow(expect.objectContaining({ code: 'tpm_key_password_not_needed' }));
    expect(keyAuthValue({ tpmKeyPassword: 'pässword' }, file(false))).toEqual(Buffer.from('pässword', 'utf8'));
    expect(() => keyAuthValue({}, file(false))).toThrow(
      expect.objectContaining({ code: 'tpm_key_password_required', message: expect.stringMatching(/RAPKI_TPM_KEY_PASSWORD.*does not prompt/) }),
    );
  });

  it('a handle needs --no-tpm-key-password or a password; both, or one too long, are refused', () => {
    expect(keyAuthValue({ noTpmKeyPassword: true }, file(undefined))).toEqual(Buffer.alloc(0));
    expect(keyAuthValue({ tpmKeyPassword: '1234' }, file(undefined))).toEqual(Buffer.from('1234'));
    expect(() => keyAuthValue({}, file(undefined))).toThrow(
      expect.objectContaining({ code: 'tpm_key_password_required', message: expect.stringMatching(/--no-tpm-key-password/) }),
    );
    expect(() => keyAuthValue({ tpmKeyPassword: 'x', noTpmKeyPassword: true }, file(undefined))).toThrow(
      expect.objectContaining({ code: 'tpm_key_password_not_needed' }),
    );
    expect(() => keyAuthValue({ tpmKeyPassword: 'x'.repeat(33) }, file(undefined))).toThrow(expect.objectContaining({ code: 'tpm_key_password_too_long' }));
  });
});
