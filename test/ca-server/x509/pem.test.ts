import { describe, expect, it } from 'vitest';
import { derToPem, fingerprintSha256, pemBlocks, pemByteLength, pemToDer } from '../../../ca-server/src/x509/index.js';

describe('PEM helpers (RFC 7468)', () => {
  it('round-trips with 64-column lines and exact length prediction', () => {
    for (const n of [0, 1, 47, 48, 49, 1000, 4097]) {
      const der = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      const pem = derToPem(der, 'X509 CRL');
      expect(pem.split('\n').every((l) => l.length <= 64)).toBe(true);
      expect(pemByteLength(der)).toBe(pem.length);
      if (n > 0) expect([...pemToDer(pem, 'X509 CRL')]).toEqual([...der]);
    }
  });

  it('finds the right block among others, tolerates CRLF and text, refuses wrong labels and bad base64', () => {
    const a = derToPem(Uint8Array.of(1, 2, 3), 'CERTIFICATE');
    const b = derToPem(Uint8Array.of(4, 5), 'X509 CRL');
    const text = `junk\r\n${b.replace(/\n/g, '\r\n')}more\n${a}${a}`;
    expect([...pemToDer(text, 'CERTIFICATE')]).toEqual([1, 2, 3]);
    expect([...pemToDer(text, 'X509 CRL')]).toEqual([4, 5]);
    expect(pemBlocks(text, 'CERTIFICATE').length).toBe(2);
    expect(() => pemToDer(a, 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
    expect(() => pemToDer('-----BEGIN X509 CRL-----\n@@@@\n-----END X509 CRL-----\n', 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
    expect(() => pemToDer('-----BEGIN X509 CRL-----\nAQID\n-----END CERTIFICATE-----\n', 'X509 CRL')).toThrow(expect.objectContaining({ code: 'pem_invalid' }));
  });

  it('fingerprints with lower-case SHA-256 hex', () => {
    expect(fingerprintSha256(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
