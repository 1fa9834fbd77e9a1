import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { makeTestCa, NOW, type TestCa } from './ca-fixture.js';
import { CrlBuilder, newSerial, pemToDer, readCrlInfo, verifyCrl } from '../../../ca-server/src/x509/index.js';

let dir: string;
let ca: TestCa;
let other: TestCa;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-crlr-');
  ca = await makeTestCa(dir, 'ec-p256', { name: 'crlr' });
  other = await makeTestCa(dir, 'ec-p256', { name: 'crlr-other' });
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('readCrlInfo / verifyCrl', () => {
  it('reads back what CrlBuilder made and verifies it only under the right issuer', async () => {
    const b = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });
    // A serial with the top bit set (DER adds a 00 sign byte) and one that starts with a zero nibble.
    const serials = ['8f1234', '0a0b', Buffer.from(newSerial()).toString('hex')];
    for (const serialHex of serials) b.add({ serialHex, revokedAt: NOW });
    const next = new Date(NOW.getTime() + 86_400_000);
    const der = await b.build({ crlNumber: 0x1234567890n, thisUpdate: NOW, nextUpdate: next });
    const info = readCrlInfo(der);
    expect(info).toMatchObject({ issuer: 'CN=Test Root crlr,O=Rapki Tests', crlNumber: 0x1234567890n, entryCount: 3 });
    expect([...info.serials].sort()).toEqual([...serials].sort());
    // openssl, the independent reader, sees the same serials.
    await writeFile(join(dir, 'b.crl'), der);
    const text = await openssl(['crl', '-inform', 'DER', '-in', join(dir, 'b.crl'), '-noout', '-text']);
    const seen = [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1]!.toLowerCase().replace(/^0+/, '')).map((x) => (x.length % 2 ? `0${x}` : x));
    expect(seen.sort()).toEqual([...serials].sort());
    expect(info.thisUpdate.getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000);
    expect(info.nextUpdate!.getTime()).toBe(Math.floor(next.getTime() / 1000) * 1000);
    expect(verifyCrl(der, ca.issuer.der)).toBe(true);
    expect(verifyCrl(der, other.issuer.der)).toBe(false);
    const tampered = Buffer.from(der);
    tampered[tampered.length - 3] ^= 1;
    expect(verifyCrl(tampered, ca.issuer.der)).toBe(false);
    expect(() => readCrlInfo(Uint8Array.of(0x30, 0x01, 0x00))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
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
    const info = readCrlInfo(der);
    expect(info.crlNumber).toBe(0x2an);
    expect(info.entryCount).toBe(0);
    expect(info.issuer).toBe('CN=Test Root crlr,O=Rapki Tests');
    expect(verifyCrl(der, ca.issuer.der)).toBe(true);
  });
});
