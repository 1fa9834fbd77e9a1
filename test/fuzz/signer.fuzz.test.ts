/**
 * Hostile input for the signer's parsers (`signer/src/`): the small DER certificate reader, PEM
 * block splitting, ARNs, PEM key/certificate material (`keySignerFromPem`) and PKCS#12 files
 * (`loadKeySigner`). Each call returns a sane value or throws a SignerError whose code is in
 * SIGNER_ERROR_CODES, in bounded time and without keeping memory (test/support/fuzz.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGNER_ERROR_CODES } from '../../signer/src/errors.js';
import { parseCertificate } from '../../signer/src/x509/parse-certificate.js';
import { isPemDefect, scanPem } from '../../common/src/x509/pem.js';
import { parseArn, parseArnOf, type ArnKind } from '../../signer/src/arn.js';
import { keySignerFromPem } from '../../signer/src/keys/key-signer-from-pem.js';
import { loadKeySigner } from '../../signer/src/keys/load-key-signer.js';
import { certDer, genKey, issueCert, makePki, makeTempDir, openssl, removeTempDir } from '../support/openssl.js';
import {
  coded,
  codedAsync,
  fcParams,
  fuzzProperty,
  fuzzTimeout,
  heapAfterGc,
  hostileDer,
  hostilePem,
  hostileString,
  mutatedText,
  prng,
  mutateBytes,
  MAX_HEAP_GROWTH_BYTES,
} from '../support/fuzz.js';

const CODES = SIGNER_ERROR_CODES;
const PASSWORD = 'test-only-p12-password';
let dir: string;
let certs: Buffer[] = [];
let certPems: string[] = [];
let keyPems: string[] = [];
let chainPem = '';
let p12s: Buffer[] = [];

beforeAll(async () => {
  dir = await makeTempDir('rapki-fuzz-signer-');
  const pki = await makePki(dir, 1, 'fz');
  const ecKey = await genKey(dir, 'ec.key', 'ec:P-256');
  const rsaKey = await genKey(dir, 'rsa.key', 'rsa:2048');
  const ecCert = await issueCert(dir, 'ec', ecKey, { issuer: pki.issuer, subject: '/CN=fuzz-ec/O=Rapki/OU=a+OU=b' });
  const rsaCert = await issueCert(dir, 'rsa', rsaKey, { issuer: pki.issuer, profile: 'leaf-no-key-usage' });
  const v1 = await issueCert(dir, 'v1', ecKey, { profile: 'v1' });
  certs = await Promise.all([ecCert, rsaCert, v1, pki.root.cert].map((c) => certDer(dir, c)));
  certPems = await Promise.all([ecCert, rsaCert].map((c) => readFile(c, 'utf8')));
  await openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', ecKey, '-passout', `pass:${PASSWORD}`, '-out', join(dir, 'enc.key')]);
  await openssl(['pkey', '-in', rsaKey, '-traditional', '-out', join(dir, 'pkcs1.key')]);
  keyPems = await Promise.all([ecKey, rsaKey, join(dir, 'enc.key'), join(dir, 'pkcs1.key')].map((k) => readFile(k, 'utf8')));
  chainPem = await readFile(pki.intermediates[0]!.cert, 'utf8');
  await writeFile(join(dir, 'chain.pem'), chainPem);
  await openssl([
    'pkcs12',
    '-export',
    '-inkey',
    ecKey,
    '-in',
    ecCert,
    '-certfile',
    join(dir, 'chain.pem'),
    '-passout',
    `pass:${PASSWORD}`,
    '-out',
    join(dir, 'a.p12'),
  ]);
  await openssl([
    'pkcs12',
    '-export',
    '-inkey',
    ecKey,
    '-in',
    ecCert,
    '-nomac',
    '-keypbe',
    'NONE',
    '-certpbe',
    'NONE',
    '-passout',
    'pass:',
    '-out',
    join(dir, 'plain.p12'),
  ]);
  p12s = await Promise.all(['a.p12', 'plain.p12'].map((n) => readFile(join(dir, n))));
  // Sanity: the bases are valid.
  for (const c of certs) parseCertificate(c);
  keySignerFromPem({ certificatePem: certPems[0]!, privateKeyPem: keyPems[0]! });
}, 120_000);

afterAll(async () => {
  if (dir) await removeTempDir(dir);
});

const name = (): string => expect.getState().currentTestName ?? 'signer';

describe('fuzz: signer parsers', () => {
  it(
    'parseCertificate (DER reader): sane fields or certificate_unparsable',
    () => {
      fuzzProperty(name(), hostileDer(certs), 20_000, (der) => {
        const r = coded(() => parseCertificate(der), CODES);
        if (r.ok) {
          // The reader reports any encoded version (preflight refuses all but v3: certificate_not_v3).
          expect(Number.isInteger(r.value.version) && r.value.version >= 1 && r.value.version <= 256).toBe(true);
          expect(r.value.serialDecimal).toMatch(/^\d+$/);
          expect(Number.isNaN(r.value.notBefore.getTime()) || Number.isNaN(r.value.notAfter.getTime())).toBe(false);
          expect(r.value.signatureAlgorithmOid).toMatch(/^\d+(\.\d+)+$/);
        } else expect(r.code).toBe('certificate_unparsable');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'scanPem: never throws; blocks carry a label and DER bytes',
    () => {
      fuzzProperty(name(), fc.oneof(hostilePem('CERTIFICATE', certs), mutatedText([...keyPems, ...certPems])), 10_000, (text) => {
        const blocks = scanPem(text);
        expect(Array.isArray(blocks)).toBe(true);
        for (const b of blocks) {
          expect(b.label).toMatch(/^[A-Z0-9 ]+$/);
          if (!isPemDefect(b)) expect(Buffer.isBuffer(b.der)).toBe(true);
        }
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'parseArn / parseArnOf: parts or null; invalid_arn for the checked kinds',
    () => {
      const valid = [
        'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b8b3c55-7a27-4f3a-9d5b-5a1c2f1e7d11',
        'arn:aws:rolesanywhere:eu-west-2:123456789012:profile/0b8b3c55-7a27-4f3a-9d5b-5a1c2f1e7d11',
        'arn:aws:iam::123456789012:role/path/to/App-Role',
        'arn:aws-us-gov:iam::123456789012:role/x',
      ];
      const mutated = fc.tuple(fc.constantFrom(...valid), fc.integer()).map(([v, seed]) => {
        const r = prng(seed);
        const bytes = mutateBytes(Buffer.from(v, 'latin1'), [[r() % 6, r(), r(), Buffer.from(String.fromCharCode(r() % 128))]]);
        return Buffer.from(bytes).toString('latin1');
      });
      fuzzProperty(
        name(),
        fc.oneof(
          mutated,
          hostileString(120),
          fc.nat({ max: 120 }).map((n) => `arn:aws:iam::123456789012:role/${'/'.repeat(n % 3)}${'A'.repeat(1960 + n)}`),
        ),
        10_000,
        (arn) => {
          const parsed = parseArn(arn);
          if (parsed !== null) expect(`arn:${parsed.partition}:${parsed.service}:${parsed.region}:${parsed.accountId}:${parsed.resource}`).toBe(arn);
          for (const kind of ['trust-anchor', 'profile', 'role'] as ArnKind[]) {
            const r = coded(() => parseArnOf(kind, arn), CODES);
            if (!r.ok) expect(r.code).toBe('invalid_arn');
            else expect(parsed).not.toBeNull();
          }
        },
      );
    },
    fuzzTimeout(30_000),
  );

  it(
    'keySignerFromPem: damaged certificate, key and chain PEM give a KeySigner or a coded error',
    () => {
      const certArb = fc.oneof(hostilePem('CERTIFICATE', certs), mutatedText(certPems), fc.constant(certPems[0]!));
      const keyArb = fc.oneof(mutatedText(keyPems), fc.constantFrom(...keyPems), fc.constant(undefined));
      const interArb = fc.oneof(fc.constant(undefined), mutatedText([chainPem]), fc.constant(chainPem + keyPems[0]));
      const arb = fc.record({
        certificatePem: certArb,
        privateKeyPem: keyArb,
        intermediatesPem: interArb,
        password: fc.constantFrom(undefined, PASSWORD, '', '\u0000'),
      });
      fuzzProperty(name(), arb, 2_000, (src) => {
        const r = coded(() => keySignerFromPem(src), CODES);
        if (r.ok) expect(r.value.certificate.length).toBeGreaterThan(0);
      });
    },
    fuzzTimeout(60_000),
  );

  it(
    'PKCS#12 through loadKeySigner (temp files): a KeySigner or a coded pkcs12_*/key error',
    async () => {
      const before = heapAfterGc();
      let slowest = 0;
      const path = join(dir, 'fuzz.p12');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ arbitrary: hostileDer(p12s), weight: 9 }, { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 }),
          fc.constantFrom(undefined, PASSWORD, ''),
          async (bytes, pw) => {
            // Binary input that happens to contain "-----BEGIN " would be read as PEM: keep it PKCS#12.
            await writeFile(path, bytes);
            const t0 = performance.now();
            const r = await codedAsync(() => loadKeySigner({ certificate: path, pkcs8Password: pw }), CODES);
            slowest = Math.max(slowest, performance.now() - t0);
            if (r.ok) expect(r.value.certificate.length).toBeGreaterThan(0);
          },
        ),
        fcParams(60),
      );
      expect(heapAfterGc() - before).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
      // PKCS#12 KDFs are slow by design (PBKDF2 2048 rounds x several bags); bound it loosely.
      expect(slowest).toBeLessThan(2_000);
    },
    fuzzTimeout(60_000),
  );
});

/** Inputs the fuzzer found, kept as plain regression tests. */
describe('fuzz regressions: signer', () => {
  it('an empty Extension SEQUENCE is certificate_unparsable, not a TypeError', () => {
    // Replace the first extension's content by nothing, fixing up the enclosing lengths is not
    // needed: a zero-length SEQUENCE appended inside [3] is built here directly.
    const ext = Buffer.from([0xa3, 0x04, 0x30, 0x02, 0x30, 0x00]);
    const tbsFields = Buffer.concat([
      Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00]),
      Buffer.from([0x30, 0x1e, 0x17, 0x0d]),
      Buffer.from('250101000000Z'),
      Buffer.from([0x17, 0x0d]),
      Buffer.from('260101000000Z'),
      Buffer.from([0x30, 0x00, 0x30, 0x00]),
      ext,
    ]);
    const tbs = Buffer.concat([Buffer.from([0x30, tbsFields.length]), tbsFields]);
    const body = Buffer.concat([tbs, Buffer.from([0x30, 0x03, 0x06, 0x01, 0x2a, 0x03, 0x01, 0x00])]);
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    expect(coded(() => parseCertificate(der), CODES)).toEqual({ ok: false, code: 'certificate_unparsable' });
  });
});
