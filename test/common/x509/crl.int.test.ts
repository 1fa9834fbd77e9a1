/**
 * The common CRL reader and the CRL's PEM form (`common/src/x509/crl.ts`), checked against openssl
 * and against CRLs from three encoders: the CA's CrlBuilder, `openssl ca -gencrl` and @peculiar/x509.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { makeTestCa, NOW, type TestCa } from '../../ca-server/x509/ca-fixture.js';
import { makeTestCa as makePeculiarCa, type TestCa as PeculiarCa } from '../../ca-server/sync/crl-fixture.js';
import { CrlBuilder, formatDn } from '../../../ca-server/src/x509/index.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { pemToDer } from '../../../common/src/x509/pem.js';
import { CRL_PEM_MAX_BYTES, CRL_PEM_WARN_BYTES, crlPemBytes, crlToDer, crlToPem, readCrl } from '../../../common/src/x509/crl.js';
import { sequence, integerFromNumber, explicit, oid, octetString, tlv } from '../../../common/src/der/writer.js';
import { crlVerifies } from './crl-signature.js';
import { flipByte } from '../../support/bytes.js';

let dir: string;
let ca: TestCa;
let other: TestCa;
let peculiar: PeculiarCa;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-crlr-');
  ca = await makeTestCa(dir, 'ec-p256', { name: 'crlr' });
  other = await makeTestCa(dir, 'ec-p256', { name: 'crlr-other' });
  peculiar = await makePeculiarCa();
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('readCrl', () => {
  it('reads back what CrlBuilder made and verifies it only under the right issuer', async () => {
    const b = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });
    // A serial with the top bit set (DER adds a 00 sign byte) and one that starts with a zero nibble.
    const serials = ['8f1234', '0a0b', Buffer.from(newSerial(randomBytes)).toString('hex')];
    for (const serialHex of serials) b.add({ serialHex, revokedAt: NOW });
    const next = new Date(NOW.getTime() + 86_400_000);
    const der = await b.build({ crlNumber: 0x1234567890n, thisUpdate: NOW, nextUpdate: next });
    const info = readCrl(der);
    expect(info).toMatchObject({ crlNumber: 0x1234567890n, entryCount: 3 });
    expect(formatDn(info.issuerDer)).toBe('CN=Test Root crlr,O=Rapki Tests');
    expect([...info.serials].sort()).toEqual([...serials].sort());
    // openssl, the independent reader, sees the same serials.
    await writeFile(join(dir, 'b.crl'), der);
    const text = await openssl(['crl', '-inform', 'DER', '-in', join(dir, 'b.crl'), '-noout', '-text']);
    const seen = [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1]!.toLowerCase().replace(/^0+/, '')).map((x) => (x.length % 2 ? `0${x}` : x));
    expect(seen.sort()).toEqual([...serials].sort());
    expect(info.thisUpdate.getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000);
    expect(info.nextUpdate!.getTime()).toBe(Math.floor(next.getTime() / 1000) * 1000);
    expect(crlVerifies(der, ca.issuer.der)).toBe(true);
    expect(crlVerifies(der, other.issuer.der)).toBe(false);
    const tampered = Buffer.from(der);
    flipByte(tampered, -3);
    expect(crlVerifies(tampered, ca.issuer.der)).toBe(false);
    expect(() => readCrl(Uint8Array.of(0x30, 0x01, 0x00))).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
  });

  it('reads an openssl-made CRL (independent encoder)', async () => {
    const keyPem = ca.issuer.key.export({ format: 'pem', type: 'pkcs8' }) as string;
    await writeFile(join(dir, 'ca.key'), keyPem);
    await writeFile(join(dir, 'index.txt'), '');
    await writeFile(join(dir, 'crlnumber'), '2A\n');
    await writeFile(
      join(dir, 'ca.cnf'),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=${join(dir, 'index.txt')}\ncrlnumber=${join(dir, 'crlnumber')}\ndefault_md=sha256\ndefault_crl_days=7\n`,
    );
    await openssl(['ca', '-gencrl', '-config', join(dir, 'ca.cnf'), '-keyfile', join(dir, 'ca.key'), '-cert', ca.issuer.path, '-out', join(dir, 'o.crl')]);
    const der = pemToDer(await readFile(join(dir, 'o.crl'), 'utf8'), 'X509 CRL');
    const info = readCrl(der);
    expect(info.crlNumber).toBe(0x2an);
    expect(info.entryCount).toBe(0);
    expect(formatDn(info.issuerDer)).toBe('CN=Test Root crlr,O=Rapki Tests');
    expect(crlVerifies(der, ca.issuer.der)).toBe(true);
  });
});

describe('readCrl, crlToDer, crlToPem on CRLs made by @peculiar/x509', () => {
  it('reads the CRL number, dates and entry count as openssl does', async () => {
    const crl = await peculiar.crl(258, 3);
    const facts = readCrl(crl.der);
    expect(facts.crlNumber).toBe(258n);
    expect(facts.entryCount).toBe(3);
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-crlnumber'], { input: crl.der }).toString();
    expect(text.trim()).toBe('crlNumber=0x0102');
    expect(readCrl(crl.pem).crlNumber).toBe(258n);
  });

  it('PEM it produces is what openssl reads back, byte for byte in DER', async () => {
    const crl = await peculiar.crl(7);
    const pem = crlToPem(crl.der);
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END X509 CRL-----\n$/);
    const der = execFileSync('openssl', ['crl', '-outform', 'DER'], { input: pem });
    expect(Buffer.from(der).equals(Buffer.from(crl.der))).toBe(true);
    expect(Buffer.from(crlToDer(pem)).equals(Buffer.from(crl.der))).toBe(true);
    expect(crlToPem(new Uint8Array(Buffer.from(crl.pem.replace(/\n/g, '\r\n'))))).toBe(pem);
  });

  it('the openssl-built big CRL is signed by the test CA and exceeds 300,000 PEM bytes', async () => {
    const big = await peculiar.bigCrl(9, 4600);
    expect(readCrl(big.der)).toMatchObject({ crlNumber: 9n, entryCount: 4600 });
    expect(crlToPem(big.der).length).toBeGreaterThan(300_000);
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'rapki-crl-verify-'));
    try {
      writeFileSync(join(d, 'ca.pem'), peculiar.certPem);
      const out = execFileSync('openssl', ['crl', '-noout', '-CAfile', join(d, 'ca.pem')], { input: big.pem, stdio: ['pipe', 'pipe', 'pipe'] });
      expect(out.toString() + '').toBe('');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('rejects what is not a CRL', () => {
    expect(() => readCrl('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
    expect(() => crlToDer('hello')).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
  });
});

describe('CRL PEM form and the Roles Anywhere size limit', () => {
  it('one limit and one warning threshold (90 %)', () => {
    expect(CRL_PEM_MAX_BYTES).toBe(300_000);
    expect(CRL_PEM_WARN_BYTES).toBe(Math.floor(CRL_PEM_MAX_BYTES * 0.9));
  });

  it('predicts the PEM size exactly, and a CRL with ~4,300 entries passes the warning threshold but not the limit', async () => {
    const b = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });
    for (let i = 0; i < 4_300; i++) b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: NOW, reason: 'keyCompromise' });
    const der = await b.build({ crlNumber: 1n, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 3_600_000) });
    const pem = crlToPem(der);
    expect(crlPemBytes(der)).toBe(pem.length);
    expect(crlPemBytes(der.length)).toBe(pem.length);
    expect(pem.length).toBeGreaterThanOrEqual(CRL_PEM_WARN_BYTES);
    expect(pem.length).toBeLessThanOrEqual(CRL_PEM_MAX_BYTES);
    expect(readCrl(pem).entryCount).toBe(4_300);
  });

  it('accepts the plain CRL label some libraries write, refuses a mismatched END label and other junk', async () => {
    const crl = await peculiar.crl(5);
    const b64 = crlToPem(crl.der).split('\n').slice(1, -2).join('\n');
    expect(Buffer.from(crlToDer(`-----BEGIN CRL-----\n${b64}\n-----END CRL-----\n`)).equals(Buffer.from(crl.der))).toBe(true);
    expect(() => crlToDer(`-----BEGIN X509 CRL-----\n${b64}\n-----END CRL-----\n`)).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
    expect(() => crlToDer(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
    expect(() => crlToDer('x'.repeat(16 * 1024 * 1024 + 1))).toThrow(/larger than/);
  });

  it('refuses a cRLNumber that is negative or longer than 20 octets (RFC 5280 §5.2.3), and fields TBSCertList does not have', async () => {
    const crl = readCrl((await peculiar.crl(7)).der);
    const tbsWith = (number: Uint8Array, extra: Uint8Array[] = []): Uint8Array => {
      const ext = sequence(oid('2.5.29.20'), octetString(number));
      const alg = sequence(oid('1.2.840.10045.4.3.2'));
      const time = tlv(0x17, Buffer.from('260101000000Z', 'latin1'));
      const tbs = sequence(integerFromNumber(1), alg, crl.issuerDer, time, ...extra, explicit(0, sequence(ext)));
      return sequence(tbs, alg, tlv(0x03, Uint8Array.of(0, 1, 2)));
    };
    expect(readCrl(tbsWith(tlv(0x02, Uint8Array.of(0, ...new Uint8Array(20).fill(0xff))))).crlNumber).toBe(2n ** 160n - 1n);
    expect(() => readCrl(tbsWith(tlv(0x02, Uint8Array.of(1, ...new Uint8Array(20)))))).toThrow(expect.objectContaining({ code: 'crl_invalid' }));
    expect(() => readCrl(tbsWith(tlv(0x02, Uint8Array.of(0xff))))).toThrow(/negative/);
    expect(() => readCrl(tbsWith(integerFromNumber(3), [tlv(0x04, Uint8Array.of(1))]))).toThrow(/unexpected TBSCertList field/);
  });
});
