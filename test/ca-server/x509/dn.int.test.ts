import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { opensslRun } from '../../support/openssl-ca.js';
import fc from 'fast-check';
import { escapeDnValue, formatDn, parseDn } from '../../../ca-server/src/x509/index.js';
import { commonNameOf } from '../../../ca-server/src/x509/dn.js';
import { testSeed } from '../../support/seeded-random.js';

// Fixed by default; a failure prints the seed, RAPKI_TEST_SEED=S replays another.
fc.configureGlobal({ seed: testSeed() });

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-dn-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

/** openssl's structural dump of a DER Name (element order and string types). */
async function opensslAsn1parse(der: Uint8Array): Promise<string> {
  const path = join(dir, `n-${Math.random().toString(36).slice(2)}.der`);
  await writeFile(path, der);
  return (await openssl(['asn1parse', '-inform', 'DER', '-in', path])).trim();
}

describe('parseDn / formatDn (RFC 4514)', () => {
  it('encodes in reverse text order with the right string types and round-trips', async () => {
    const der = parseDn('CN=web-1,OU=Fleet,O=Example Corp,C=DE,DC=example,DC=com');
    const asn = await opensslAsn1parse(der);
    expect(asn.indexOf('domainComponent')).toBeLessThan(asn.indexOf('countryName'));
    expect(asn.indexOf('countryName')).toBeLessThan(asn.indexOf('commonName'));
    expect(asn).toMatch(/PRINTABLESTRING\s*:DE/);
    expect(asn).toMatch(/IA5STRING\s*:example/);
    expect(asn).toMatch(/UTF8STRING\s*:web-1/);
    expect(formatDn(der)).toBe('CN=web-1,OU=Fleet,O=Example Corp,C=DE,DC=example,DC=com');
    expect(commonNameOf(der)).toBe('web-1');
  });

  it('handles escapes, spaces after commas, multi-valued RDNs, UTF-8 and dotted OIDs', () => {
    expect(formatDn(parseDn('CN=Smith\\, John,O=Acme'))).toBe('CN=Smith\\, John,O=Acme');
    expect(formatDn(parseDn('CN=a, O=b'))).toBe('CN=a,O=b');
    expect(formatDn(parseDn('cn=a+uid=42,o=b'))).toBe('CN=a+UID=42,O=b');
    expect(formatDn(parseDn('CN=Jürgen Müller'))).toBe('CN=Jürgen Müller');
    expect(formatDn(parseDn('CN=\\4a\\C3\\BCrgen'))).toBe('CN=Jürgen');
    expect(formatDn(parseDn('CN=\\#hash\\ '))).toBe('CN=\\#hash\\ ');
    expect(formatDn(parseDn('2.5.4.3=x,1.2.3.4=#0c0161'))).toBe('CN=x,1.2.3.4=#0c0161');
    expect(formatDn(parseDn('CN=a\\=b'))).toBe('CN=a\\=b');
    // RFC 4514 §3 does not require "=" in a value to be escaped.
    expect(formatDn(parseDn('CN=a=b'))).toBe('CN=a\\=b');
  });

  it('round-trips any printable value through escaping (property)', () => {
    const value = fc.string({
      minLength: 1,
      maxLength: 40,
      unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), fc.constantFrom('ü', '日', '€', '😀', ' ', '#', ',', '+', '\\', '"', ';', '<', '>', '=')),
    });
    fc.assert(
      fc.property(value, value, (cn, o) => {
        fc.pre([...cn].length <= 64 && [...o].length <= 64 && cn.trim() !== '' && o.trim() !== '');
        const text = `CN=${escapeDnValue(cn)},O=${escapeDnValue(o)}`;
        const der = parseDn(text);
        return commonNameOf(der) === cn && formatDn(der) === text && Buffer.from(parseDn(formatDn(der))).equals(Buffer.from(der));
      }),
      { numRuns: 300 },
    );
  });

  it('gives clear dn_invalid errors for malformed names', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['CN', /missing "="/],
      ['CN=a,', /trailing separator/],
      ['XX=a', /unknown attribute type "XX"/],
      ['CN=', /empty value/],
      ['CN=a\\', /dangling backslash/],
      ['CN=a\\q', /bad escape/],
      ['C=Germany', /C longer than 2|two-letter/],
      ['C=de', /two-letter/],
      ['CN=' + 'x'.repeat(65), /longer than 64/],
      ['CN=a"b', /unescaped/],
      ['CN=a\u0001', /control/],
      ['1.2.3=#zz', /#hex/],
      ['CN=a;O=b,', /trailing/],
    ];
    for (const [dn, re] of bad) {
      expect(() => parseDn(dn), dn).toThrow(expect.objectContaining({ code: 'dn_invalid', message: expect.stringMatching(re) }));
    }
    expect(parseDn('', { allowEmpty: true })).toEqual(Uint8Array.of(0x30, 0x00));
  });

  it('formats names made by openssl the way openssl does in RFC 2253 form', async () => {
    const key = join(dir, 'k.pem');
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    await openssl(['req', '-new', '-x509', '-key', key, '-subj', '/C=US/O=Acme, Inc./OU=R\\+D/CN=host #1', '-out', join(dir, 'c.pem')]);
    const r = await opensslRun(['x509', '-in', join(dir, 'c.pem'), '-noout', '-subject', '-nameopt', 'RFC2253']);
    await openssl(['x509', '-in', join(dir, 'c.pem'), '-outform', 'DER', '-out', join(dir, 'c.der')]);
    expect(r.stdout.trim()).toBe('subject=CN=host #1,OU=R\\+D,O=Acme\\, Inc.,C=US');
    const { decodeCertificate } = await import('../../../common/src/x509/certificate.js');
    const c = decodeCertificate(await readFile(join(dir, 'c.der')));
    expect(formatDn(c.subject)).toBe('CN=host #1,OU=R\\+D,O=Acme\\, Inc.,C=US');
    expect(Buffer.from(parseDn(formatDn(c.subject))).equals(Buffer.from(c.subject))).toBe(true);
  });
});
