/**
 * CRL bytes as the sync handles them (ca-server/src/aws/crl-data.ts), checked against openssl.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { crlToDer, crlToPem, readCrlFacts } from '../../../ca-server/src/aws/crl-data.js';
import { makeTestCa, type TestCa } from './crl-fixture.js';

const openssl = (args: string[], input: Uint8Array | string): string => execFileSync('openssl', args, { input }).toString();

let ca: TestCa;
beforeAll(async () => {
  ca = await makeTestCa();
});

describe('crl-data', () => {
  it('reads the CRL number, dates and entry count as openssl does', async () => {
    const crl = await ca.crl(258, 3);
    const facts = readCrlFacts(crl.der);
    expect(facts.number).toBe(258n);
    expect(facts.revokedCount).toBe(3);
    const text = openssl(['crl', '-inform', 'DER', '-noout', '-crlnumber'], crl.der);
    expect(text.trim()).toBe('crlNumber=0x0102');
    expect(readCrlFacts(crl.pem).number).toBe(258n);
  });

  it('PEM it produces is what openssl reads back, byte for byte in DER', async () => {
    const crl = await ca.crl(7);
    const pem = crlToPem(crl.der);
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END X509 CRL-----\n$/);
    const der = execFileSync('openssl', ['crl', '-outform', 'DER'], { input: pem });
    expect(Buffer.from(der).equals(Buffer.from(crl.der))).toBe(true);
    expect(Buffer.from(crlToDer(pem)).equals(Buffer.from(crl.der))).toBe(true);
    expect(crlToPem(new Uint8Array(Buffer.from(crl.pem.replace(/\n/g, '\r\n'))))).toBe(pem);
  });

  it('the openssl-built big CRL is signed by the test CA and exceeds 300,000 PEM bytes', async () => {
    const big = await ca.bigCrl(9, 4600);
    expect(readCrlFacts(big.der)).toMatchObject({ number: 9n, revokedCount: 4600 });
    expect(crlToPem(big.der).length).toBeGreaterThan(300_000);
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'rapki-crl-verify-'));
    try {
      writeFileSync(join(d, 'ca.pem'), ca.certPem);
      const out = execFileSync('openssl', ['crl', '-noout', '-CAfile', join(d, 'ca.pem')], { input: big.pem, stdio: ['pipe', 'pipe', 'pipe'] });
      expect(out.toString() + '').toBe('');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('rejects what is not a CRL', () => {
    expect(() => readCrlFacts('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
    expect(() => crlToDer('hello')).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
  });
});
