/**
 * Hostile input for the CA's X.509 layer (`ca-server/src/x509/`): CSRs (DER and PEM), PEM
 * armour, RFC 4514 DN text, CRLs, certificates for the inventory, pasted serials. Each call must
 * return a sane value or throw a coded error of X509_ERROR_CODES, in bounded time and without
 * keeping memory (test/support/fuzz.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync, sign, type KeyObject, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { makeTestCa, NOW, type TestCa } from '../ca-server/x509/ca-fixture.js';
import {
  CrlBuilder,
  MAX_CSR_BYTES,
  X509_ERROR_CODES,
  formatDn,
  issueLeafCertificate,
  parseCertificateSummary,
  parseCsr,
  parseDn,
} from '../../ca-server/src/x509/index.js';
import { crlVerifies } from '../common/x509/crl-signature.js';
import { createCsr } from '../ca-server/x509/create-csr.js';
import { newSerial, normalizeSerialHex } from '../../common/src/x509/serial.js';
import { pemBlocks, pemToDer } from '../../common/src/x509/pem.js';
import { readCrl } from '../../common/src/x509/crl.js';
import { Tag, bitString, oid, sequence, set, tlv } from '../../common/src/der/writer.js';
import { decodeCertificate } from '../../common/src/x509/certificate.js';
import { MAX_CASE_MS, coded, fuzzProperty, fuzzTimeout, hostileDer, hostilePem, hostileString, toPem, withSeed } from '../support/fuzz.js';

/** The CA's X.509 codes, and `crl_invalid` of the common CRL reader. */
const CODES = { ...X509_ERROR_CODES, crl_invalid: 'CRL not readable' };
let dir: string;
let ca: TestCa;
let csrs: Uint8Array[] = [];
const certs: Uint8Array[] = [];
const crls: Uint8Array[] = [];

const spkiOf = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ format: 'der', type: 'spki' }));

beforeAll(async () => {
  dir = await makeTempDir('rapki-fuzz-x509-');
  ca = await makeTestCa(dir, 'ec-p256', { name: 'fuzz' });
  const keys = [
    generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ];
  const sans = [
    { type: 'dns' as const, value: 'host.example.com' },
    { type: 'ip' as const, value: '10.0.0.1' },
    { type: 'ip' as const, value: '2001:db8::1' },
    { type: 'email' as const, value: 'ops@example.com' },
    { type: 'uri' as const, value: 'spiffe://example.org/app' },
  ];
  csrs = keys.map((k, i) => createCsr({ subject: `CN=host-${i}.example.com,OU=Fuzz+O=Rapki,C=DE`, sans: i === 1 ? [] : sans, privateKey: k.privateKey }));
  // An openssl-made CSR too: a different encoder (attributes, string types) to start from.
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=ossl.example.com/O=Rapki',
      '-addext',
      'subjectAltName=DNS:ossl.example.com,IP:192.0.2.7',
      '-keyout',
      join(dir, 'o.key'),
      '-out',
      join(dir, 'o.csr'),
    ],
    { stdio: 'ignore' },
  );
  csrs.push(pemToDer(readFileSync(join(dir, 'o.csr'), 'utf8'), 'CERTIFICATE REQUEST'));
  for (const [i, k] of keys.entries()) {
    certs.push(
      await issueLeafCertificate({
        issuerCertificate: ca.issuer.der,
        issuerSigner: ca.issuer.signer,
        subject: `CN=leaf-${i},O=Rapki Tests`,
        sans,
        publicKeySpki: spkiOf(k.publicKey),
        serial: newSerial(randomBytes),
        notBefore: NOW,
        notAfter: new Date(NOW.getTime() + 86_400_000),
      }),
    );
  }
  certs.push(ca.root.der);
  const b = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });
  crls.push(await b.build({ crlNumber: 1n, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 86_400_000) }));
  for (let i = 0; i < 4; i++)
    b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: NOW, reason: i % 2 ? 'keyCompromise' : undefined });
  crls.push(await b.build({ crlNumber: 0x1234567890abcdefn, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 86_400_000) }));
  // Sanity: every base parses, so mutations start from valid input.
  for (const c of csrs) parseCsr(c);
  for (const c of certs) parseCertificateSummary(c);
  for (const c of crls) expect(crlVerifies(c, ca.issuer.der)).toBe(true);
}, 60_000);

afterAll(async () => {
  if (dir) await removeTempDir(dir);
});

/**
 * Runs one property with timing and a heap check: `check` must not throw for any input.
 * Returns the number of cases run.
 */
function fuzz<T>(arb: fc.Arbitrary<T>, base: number, call: (input: T) => void): void {
  fuzzProperty(expect.getState().currentTestName ?? 'x509', arb, base, call);
}

describe('fuzz: CA X.509 layer', () => {
  it(
    'parseCsr (DER): sane result or a coded csr_* error',
    () => {
      withSeed(() => {
        const outcomes = new Map<string, number>();
        fuzz(hostileDer(csrs), 20_000, (der) => {
          const r = coded(() => parseCsr(der), CODES);
          const key = r.ok ? 'ok' : r.code;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          if (r.ok) {
            expect(typeof r.value.subject).toBe('string');
            expect(['rsa', 'ec']).toContain(r.value.keyAlgorithm);
            expect(r.value.keyBits).toBeGreaterThanOrEqual(256);
          } else expect(r.code).toMatch(/^(csr_|dn_|san_)/);
        });
        // The generator reaches past the DER walk: key policy and signature checks see input too.
        expect(outcomes.get('csr_unparsable')).toBeGreaterThan(0);
        expect((outcomes.get('csr_bad_signature') ?? 0) + (outcomes.get('csr_key_not_allowed') ?? 0)).toBeGreaterThan(0);
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'parseCsr (PEM text): armour damage, unicode, many BEGIN lines',
    () => {
      fuzz(hostilePem('CERTIFICATE REQUEST', csrs), 3_000, (pem) => {
        const r = coded(() => parseCsr(pem), CODES);
        if (!r.ok) expect(r.code).toMatch(/^(csr_|dn_|san_)/);
      });
    },
    fuzzTimeout(30_000),
  );

  it('parseCsr refuses oversized input by size before parsing', () => {
    const big = new Uint8Array(MAX_CSR_BYTES + 1).fill(0x30);
    const t0 = performance.now();
    expect(coded(() => parseCsr(big), CODES)).toEqual({ ok: false, code: 'csr_too_large' });
    expect(coded(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\n'.repeat(MAX_CSR_BYTES / 20)), CODES)).toEqual({ ok: false, code: 'csr_too_large' });
    expect(performance.now() - t0).toBeLessThan(MAX_CASE_MS);
  });

  it(
    'pemToDer / pemBlocks: bytes of well-formed blocks or pem_invalid',
    () => {
      fuzz(hostilePem('CERTIFICATE', certs), 5_000, (pem) => {
        const r = coded(() => pemToDer(pem, 'CERTIFICATE'), CODES);
        if (r.ok) expect(r.value).toBeInstanceOf(Uint8Array);
        else expect(r.code).toBe('pem_invalid');
        // The bundle reader (CA chains): every block, or pem_invalid.
        const all = coded(() => pemBlocks(pem, 'CERTIFICATE'), CODES);
        if (all.ok) for (const b of all.value) expect(b).toBeInstanceOf(Uint8Array);
        else expect(all.code).toBe('pem_invalid');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'parseDn: a DER Name that formats and re-parses to the same bytes, or dn_invalid',
    () => {
      const valid = [
        'CN=host.example.com,O=Example\\, Inc.,C=US',
        'CN=a+OU=b,DC=example,DC=com',
        'emailAddress=a@b.c,CN=\\#x',
        '2.5.4.3=#0c0161,O=x',
        'CN=  spaced  ,L=Zürich',
      ];
      const mutatedText = fc.tuple(fc.constantFrom(...valid), fc.nat(), hostileString(8), fc.nat({ max: 2 })).map(([s, p, ins, kind]) => {
        const at = p % (s.length + 1);
        return kind === 0 ? s.slice(0, at) + ins + s.slice(at) : kind === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at);
      });
      fuzz(fc.oneof(mutatedText, hostileString(120)), 10_000, (text) => {
        const r = coded(() => parseDn(text, { allowEmpty: true }), CODES);
        if (!r.ok) {
          expect(r.code).toBe('dn_invalid');
          return;
        }
        expect(r.value[0]).toBe(0x30);
        const formatted = formatDn(r.value);
        expect(Buffer.from(parseDn(formatted, { allowEmpty: true })).equals(Buffer.from(r.value))).toBe(true);
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'readCrl: sane facts or crl_invalid',
    () => {
      fuzz(hostileDer(crls), 10_000, (der) => {
        const r = coded(() => readCrl(der), CODES);
        if (r.ok) {
          expect(r.value.entryCount).toBe(r.value.serials.length);
          expect(Number.isNaN(r.value.thisUpdate.getTime())).toBe(false);
          expect(r.value.issuerDer[0]).toBe(0x30);
        } else expect(r.code).toBe('crl_invalid');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'a CRL verifies only with exactly the signed bytes (readCrl returns them), or is refused coded',
    () => {
      const originals = crls.map((c) => Buffer.from(readCrl(c).tbs));
      fuzz(hostileDer(crls), 3_000, (der) => {
        const r = coded(() => crlVerifies(der, ca.issuer.der), CODES);
        if (r.ok && r.value) {
          // A CRL that still verifies must carry exactly the TBS the CA signed.
          const tbs = Buffer.from(readCrl(der).tbs);
          expect(originals.some((o) => o.equals(tbs))).toBe(true);
        }
        if (!r.ok) expect(r.code).toBe('crl_invalid');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'parseCertificateSummary: sane summary or certificate_unparsable',
    () => {
      fuzz(hostileDer(certs), 10_000, (der) => {
        const r = coded(() => parseCertificateSummary(der), CODES);
        if (r.ok) {
          expect(r.value.fingerprint).toMatch(/^[0-9a-f]{64}$/);
          expect(r.value.serialHex).toMatch(/^([0-9a-f]{2})*$/);
          expect(Number.isNaN(r.value.notAfter.getTime())).toBe(false);
        } else expect(r.code).toBe('certificate_unparsable');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'normalizeSerialHex: canonical hex or serial_invalid',
    () => {
      const pasted = fc
        .tuple(
          fc.constantFrom('', 'serial=', '0x', 'SERIAL=0X', ' '),
          fc.array(fc.stringMatching(/^[0-9a-fA-F]{1,2}$/), { maxLength: 30 }),
          fc.constantFrom('', ':', ' ', '-', '::'),
        )
        .map(([pre, parts, sep]) => pre + parts.join(sep));
      fuzz(fc.oneof(pasted, hostileString(60), fc.string({ unit: 'binary', minLength: 190, maxLength: 260 })), 10_000, (text) => {
        const r = coded(() => normalizeSerialHex(text), CODES);
        if (r.ok) {
          expect(r.value).toMatch(/^[0-9a-f]+$/);
          expect(r.value.length % 2).toBe(0);
          expect(r.value.length).toBeLessThanOrEqual(40);
          expect(r.value.startsWith('00')).toBe(false);
          expect(normalizeSerialHex(r.value)).toBe(r.value);
        } else expect(r.code).toBe('serial_invalid');
      });
    },
    fuzzTimeout(30_000),
  );

  it('a PEM CSR inside a PEM bundle of damaged blocks still parses or fails coded', () => {
    const pem = toPem('CERTIFICATE REQUEST', csrs[0]!);
    expect(coded(() => parseCsr(`junk\r\n${pem.replace(/\n/g, '\r\n')}`), CODES).ok).toBe(true);
  });
});

/** Inputs the fuzzer found, kept as plain regression tests. */
describe('fuzz regressions: CA X.509 layer', () => {
  it('a dotted attribute type that is not an OID (first arc > 2) is dn_invalid, not a TypeError', () => {
    for (const dn of ['25.4.3=x', '1.40=x', '2.05.4=x', 'oid.3.1=x']) {
      expect(coded(() => parseDn(dn), CODES)).toEqual({ ok: false, code: 'dn_invalid' });
    }
    expect(coded(() => parseDn('2.5.4.3=x'), CODES).ok).toBe(true);
  });

  it('a certificate whose subject RDN has an indefinite length is certificate_unparsable in the summary', () => {
    const der = Uint8Array.from(certs[0]!);
    const c = decodeCertificate(der);
    const subjectOffset = c.subject.byteOffset - der.byteOffset;
    expect(der[subjectOffset + 2]).toBe(Tag.SET);
    der[subjectOffset + 3] = 0x80;
    expect(coded(() => parseCertificateSummary(der), CODES)).toEqual({ ok: false, code: 'certificate_unparsable' });
  });

  it('thousands of BEGIN lines without an END are refused in linear time (the lazy regex was quadratic)', () => {
    const text = '-----BEGIN CERTIFICATE-----\n'.repeat(2_300) + '-----END X-----';
    const t0 = performance.now();
    expect(coded(() => pemBlocks(text, 'CERTIFICATE'), CODES)).toEqual({ ok: false, code: 'pem_invalid' });
    expect(coded(() => pemToDer(text.replace('END X', 'END'), 'CERTIFICATE'), CODES)).toEqual({ ok: false, code: 'pem_invalid' });
    expect(coded(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\n'.repeat(1_700)), CODES)).toEqual({ ok: false, code: 'csr_unparsable' });
    expect(performance.now() - t0).toBeLessThan(MAX_CASE_MS);
    // Blocks are still found among other blocks and text, CRLF or LF, in order.
    const two = `x\r\n${toPem('CERTIFICATE', certs[0]!).replace(/\n/g, '\r\n')}junk\n${toPem('X509 CRL', crls[0]!)}${toPem('CERTIFICATE', certs[1]!)}`;
    expect(pemBlocks(two, 'CERTIFICATE').map((d) => Buffer.from(d).equals(Buffer.from(certs[0]!)) || Buffer.from(d).equals(Buffer.from(certs[1]!)))).toEqual([
      true,
      true,
    ]);
    expect(Buffer.from(pemToDer(two, 'X509 CRL')).equals(Buffer.from(crls[0]!))).toBe(true);
  });

  it('a UniversalString beyond U+10FFFF in a CSR subject is shown as #hex, not a RangeError', () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const name = sequence(set(sequence(oid('2.5.4.3'), tlv(Tag.UNIVERSAL_STRING, Uint8Array.of(0x00, 0x11, 0x00, 0x00)))));
    const spki = new Uint8Array(k.publicKey.export({ format: 'der', type: 'spki' }));
    const cri = sequence(Uint8Array.of(Tag.INTEGER, 1, 0), name, spki, tlv(0xa0));
    const csr = sequence(cri, sequence(oid('1.2.840.10045.4.3.2')), bitString(sign('sha256', cri, k.privateKey)));
    const r = coded(() => parseCsr(csr), CODES);
    expect(r.ok && r.value.subject).toBe('CN=\\#1c0400110000');
  });
});
