import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { genKey, makeTempDir, openssl, removeTempDir, type KeySpec } from '../../support/openssl.js';
import { opensslRun } from '../../support/openssl-ca.js';
import { parseCsr } from '../../../ca-server/src/x509/index.js';
import { createCsr } from './create-csr.js';
import { derToPem, pemToDer } from '../../../common/src/x509/pem.js';
import { x509 } from './peculiar.js';
import { flipByte } from '../../support/bytes.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-csr-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function opensslCsr(spec: KeySpec, name: string, subj = '/CN=host-1/O=Example', san?: string, digest = 'sha256'): Promise<string> {
  const key = await genKey(dir, `${name}.key`, spec);
  const args = ['req', '-new', '-key', key, '-subj', subj, `-${digest}`, '-out', join(dir, `${name}.csr`)];
  if (spec === 'ed25519') args.splice(args.indexOf(`-${digest}`), 1);
  if (san) args.push('-addext', `subjectAltName=${san}`);
  await openssl(args);
  return readFile(join(dir, `${name}.csr`), 'utf8');
}

describe('parseCsr', () => {
  it('parses and verifies openssl CSRs: P-256, P-384, RSA 2048 (PEM and DER)', async () => {
    const p256 = parseCsr(
      await opensslCsr('ec:P-256', 'p256', '/O=Example/CN=host-1', 'DNS:host-1.example.com,DNS:alias.example.com,IP:192.0.2.1,email:ops@example.com'),
    );
    expect(p256).toMatchObject({ subject: 'CN=host-1,O=Example', commonName: 'host-1', keyAlgorithm: 'ec', keyBits: 256, curve: 'P-256' });
    expect(p256.sans).toEqual([
      { type: 'dns', value: 'host-1.example.com' },
      { type: 'dns', value: 'alias.example.com' },
      { type: 'ip', value: '192.0.2.1' },
      { type: 'email', value: 'ops@example.com' },
    ]);
    const pem384 = await opensslCsr('ec:P-384', 'p384', '/CN=db-1', undefined, 'sha384');
    const p384 = parseCsr(pem384);
    expect(p384).toMatchObject({ subject: 'CN=db-1', keyAlgorithm: 'ec', keyBits: 384, curve: 'P-384', sans: [] });
    const rsa = parseCsr(pemToDer(await opensslCsr('rsa:2048', 'rsa2048', '/CN=legacy'), 'CERTIFICATE REQUEST'));
    expect(rsa).toMatchObject({ subject: 'CN=legacy', keyAlgorithm: 'rsa', keyBits: 2048, curve: undefined });
    // The SPKI equals what openssl extracts from the request.
    const spkiPem = await openssl(['req', '-in', join(dir, 'p384.csr'), '-noout', '-pubkey']);
    expect(Buffer.from(p384.publicKeySpki).equals(Buffer.from(pemToDer(spkiPem, 'PUBLIC KEY')))).toBe(true);
  });

  it('refuses a tampered CSR (proof of possession fails)', async () => {
    const pem = await opensslCsr('ec:P-256', 'tamper', '/CN=victim');
    const der = Buffer.from(pemToDer(pem, 'CERTIFICATE REQUEST'));
    // Change one byte of the subject CN ("victim" -> "victin").
    const at = der.indexOf(Buffer.from('victim'));
    der[at + 5] = 'n'.charCodeAt(0);
    expect(() => parseCsr(der)).toThrow(expect.objectContaining({ code: 'csr_bad_signature' }));
    // Swap in another key: signature no longer matches.
    const other = parseCsr(await opensslCsr('ec:P-256', 'other', '/CN=victim'));
    const orig = Buffer.from(pemToDer(pem, 'CERTIFICATE REQUEST'));
    const spkiAt = orig.indexOf(Buffer.from(parseCsr(pem).publicKeySpki));
    Buffer.from(other.publicKeySpki).copy(orig, spkiAt);
    expect(() => parseCsr(orig)).toThrow(expect.objectContaining({ code: 'csr_bad_signature' }));
  });

  it('refuses keys outside the policy: RSA 1024, P-521, Ed25519, secp256k1', async () => {
    for (const [spec, name] of [
      ['rsa:1024', 'rsa1024'],
      ['ed25519', 'ed25519'],
      ['ec:secp256k1', 'k1'],
    ] as const) {
      const pem = await opensslCsr(spec, name);
      expect(() => parseCsr(pem), name).toThrow(expect.objectContaining({ code: 'csr_key_not_allowed' }));
    }
    const k521 = join(dir, 'p521.key');
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521', '-out', k521]);
    await openssl(['req', '-new', '-key', k521, '-subj', '/CN=x', '-sha512', '-out', join(dir, 'p521.csr')]);
    expect(() => parseCsr(readFileSync(join(dir, 'p521.csr'), 'utf8'))).toThrow(expect.objectContaining({ code: 'csr_key_not_allowed' }));
  });

  it('refuses EC keys with explicit curve parameters (even P-256 ones) and RSA exponents other than 65537', async () => {
    for (const curve of ['P-256', 'P-384']) {
      const k = join(dir, `explicit-${curve}.key`);
      await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-pkeyopt', 'ec_param_enc:explicit', '-out', k]);
      await openssl(['req', '-new', '-key', k, '-subj', '/CN=x', '-sha256', '-out', join(dir, `explicit-${curve}.csr`)]);
      expect(() => parseCsr(readFileSync(join(dir, `explicit-${curve}.csr`), 'utf8')), curve).toThrow(
        expect.objectContaining({ code: 'csr_key_not_allowed', message: expect.stringContaining('explicit curve parameters') }),
      );
    }
    for (const e of ['3', '17', '65539']) {
      const k = join(dir, `rsa-e${e}.key`);
      await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', `rsa_keygen_pubexp:${e}`, '-out', k]);
      await openssl(['req', '-new', '-key', k, '-subj', '/CN=x', '-sha256', '-out', join(dir, `rsa-e${e}.csr`)]);
      expect(() => parseCsr(readFileSync(join(dir, `rsa-e${e}.csr`), 'utf8')), e).toThrow(
        expect.objectContaining({ code: 'csr_key_not_allowed', message: expect.stringContaining('65537') }),
      );
    }
  });

  it('imports EC keys by their point: off-curve points refused, compressed points accepted (SPKI path)', async () => {
    const pem = await opensslCsr('ec:P-256', 'offcurve', '/CN=off');
    const der = Buffer.from(pemToDer(pem, 'CERTIFICATE REQUEST'));
    const spki = Buffer.from(parseCsr(pem).publicKeySpki);
    const at = der.indexOf(spki);
    flipByte(der, at + spki.length - 1); // last byte of Y: the point leaves the curve
    expect(() => parseCsr(der)).toThrow(expect.objectContaining({ code: 'csr_key_not_allowed' }));
    const key = join(dir, 'compressed.key');
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'plain.key')]);
    await openssl(['ec', '-in', join(dir, 'plain.key'), '-conv_form', 'compressed', '-out', key]);
    await openssl(['req', '-new', '-key', key, '-subj', '/CN=compressed', '-sha256', '-out', join(dir, 'compressed.csr')]);
    const parsed = parseCsr(readFileSync(join(dir, 'compressed.csr'), 'utf8'));
    expect(parsed).toMatchObject({ keyAlgorithm: 'ec', curve: 'P-256', commonName: 'compressed' });
    expect(parsed.publicKeySpki.length).toBe(59); // 26-byte header + 33-byte compressed point
  });

  it('refuses SHA-1 signatures', async () => {
    const pem = await opensslCsr('ec:P-256', 'sha1', '/CN=old', undefined, 'sha1');
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'csr_bad_signature' }));
  });

  it('refuses garbage, wrong labels, trailing bytes and oversize input with coded errors', async () => {
    expect(() => parseCsr('hello')).toThrow(expect.objectContaining({ code: 'csr_unparsable' }));
    expect(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n')).toThrow(
      expect.objectContaining({ code: 'csr_unparsable' }),
    );
    expect(() => parseCsr(derToPem(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), 'CERTIFICATE REQUEST'))).toThrow(
      expect.objectContaining({ code: 'csr_unparsable' }),
    );
    expect(() => parseCsr(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff))).toThrow(expect.objectContaining({ code: 'csr_unparsable' }));
    const good = pemToDer(await opensslCsr('ec:P-256', 'trail'), 'CERTIFICATE REQUEST');
    expect(() => parseCsr(Buffer.concat([good, Buffer.of(0)]))).toThrow(expect.objectContaining({ code: 'csr_unparsable' }));
    expect(() => parseCsr(good.subarray(0, good.length - 3))).toThrow(expect.objectContaining({ code: 'csr_unparsable' }));
    expect(() => parseCsr('A'.repeat(70_000))).toThrow(expect.objectContaining({ code: 'csr_too_large' }));
    expect(() => parseCsr(new Uint8Array(70_000))).toThrow(expect.objectContaining({ code: 'csr_too_large' }));
    // A certificate is not a CSR.
    const { genKey: g, issueCert } = await import('../../support/openssl.js');
    const cert = await readFile(await issueCert(dir, 'notcsr', await g(dir, 'notcsr.key', 'ec:P-256')), 'utf8');
    expect(() => parseCsr(cert)).toThrow(expect.objectContaining({ code: 'csr_unparsable' }));
  });

  it('never throws anything but coded errors on random mutations of a valid CSR', async () => {
    const good = Buffer.from(pemToDer(await opensslCsr('ec:P-256', 'fuzz', '/CN=fuzz', 'DNS:fuzz.example.com'), 'CERTIFICATE REQUEST'));
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      const m = Buffer.from(good);
      for (let k = 0; k < 1 + rnd(3); k++) m[rnd(m.length)] = rnd(256);
      try {
        parseCsr(m);
      } catch (err) {
        expect((err as { code?: string }).code).toMatch(/^csr_(unparsable|bad_signature|key_not_allowed)$/);
      }
    }
  });

  it('createCsr output is accepted by openssl (signature OK) and by parseCsr, for EC and RSA', async () => {
    for (const [type, opts] of [
      ['ec', { namedCurve: 'P-256' }],
      ['ec', { namedCurve: 'P-384' }],
      ['rsa', { modulusLength: 2048 }],
    ] as const) {
      const { privateKey } = generateKeyPairSync(type as 'ec', opts as { namedCurve: string });
      const der = createCsr({
        subject: 'CN=made-here,O=Example',
        sans: [
          { type: 'dns', value: 'made-here.example.com' },
          { type: 'ip', value: '::1' },
        ],
        privateKey,
      });
      const parsed = parseCsr(der);
      expect(parsed.subject).toBe('CN=made-here,O=Example');
      expect(parsed.sans).toEqual([
        { type: 'dns', value: 'made-here.example.com' },
        { type: 'ip', value: '::1' },
      ]);
      const r = await opensslRun(['req', '-inform', 'DER', '-verify', '-noout', '-text'], der);
      expect(r.stderr + r.stdout).toMatch(/verify OK|Certificate request self-signature verify OK/);
      expect(r.stdout).toContain('DNS:made-here.example.com, IP Address:0:0:0:0:0:0:0:1');
      const p = new x509.Pkcs10CertificateRequest(der);
      expect(await p.verify()).toBe(true);
    }
  });
});
