/** Raw r || s (CKM_ECDSA output) to DER ECDSA-Sig-Value, checked against node:crypto's own conversion. */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawEcdsaToDer } from '../../../common/src/pkcs11/ecdsa-der.js';

describe('rawEcdsaToDer', () => {
  for (const curve of ['prime256v1', 'secp384r1']) {
    it(`${curve}: the DER form of a raw signature verifies as DER`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      for (let i = 0; i < 50; i++) {
        const data = Buffer.from(`m${i}`);
        const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        const der = rawEcdsaToDer(raw);
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
        // And node reads our DER back as the same r || s.
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
        expect(der[0]).toBe(0x30);
      }
    });
  }

  it('adds a 0x00 when the high bit is set and strips leading zeros', () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 0x01; // r = 1 → INTEGER 01
    const s = Buffer.alloc(32, 0xff); // high bit → 00 ff…
    const der = rawEcdsaToDer(Buffer.concat([r, s]));
    expect(der.toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`);
  });

  it('refuses odd or empty input', () => {
    expect(() => rawEcdsaToDer(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'pkcs11_operation_failed' }));
    expect(() => rawEcdsaToDer(Buffer.alloc(63))).toThrow(expect.objectContaining({ code: 'pkcs11_operation_failed' }));
  });
});
