/** `rapki sign-string`, `read-certificate-data`, `version` as child processes, checked independently. */
import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { TestPki, type Leaf } from '../../signer/session/test-pki.js';

let dir: string;
let rsa: Leaf;
let ec: Leaf;

/** The official `sign-string` payload, rebuilt here from its definition, not from signer code. */
function payload(certFile: string): Buffer {
  const pub: KeyObject = new X509Certificate(readFileSync(certFile)).publicKey;
  let bytes: Buffer;
  if (pub.asymmetricKeyType === 'rsa') bytes = pub.export({ type: 'pkcs1', format: 'der' });
  else {
    // SPKI DER ends with the uncompressed point 04||X||Y (P-256: 65 bytes).
    const spki = pub.export({ type: 'spki', format: 'der' });
    bytes = spki.subarray(spki.length - 65);
  }
  const digest = createHash('sha256').update('IAM RA').update(bytes).digest();
  return Buffer.concat([Buffer.from('AWS Roles Anywhere Credential Helper Signing Test1'), digest]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-cli-diag-'));
  const pki = new TestPki(dir);
  rsa = pki.leaf('rsa2048');
  ec = pki.leaf('p256');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sign-string', () => {
  it('json (default): the hex signature in a JSON string; verifies over the official payload', async () => {
    const r = await runCli(['sign-string', '--certificate', ec.certFile, '--private-key', ec.keyFile]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^"[0-9a-f]+"$/);
    const sig = Buffer.from(JSON.parse(r.out) as string, 'hex');
    const pub = createPublicKey(readFileSync(ec.certFile));
    expect(verify('sha256', payload(ec.certFile), pub, sig)).toBe(true);
    expect(verify('sha256', Buffer.from('other'), pub, sig)).toBe(false);
  });

  it.each([
    ['SHA256', 'sha256'],
    ['SHA384', 'sha384'],
    ['sha512', 'sha512'],
  ])('text format with --digest %s (RSA, deterministic, verifies)', async (flag, alg) => {
    const r = await runCli(['sign-string', '--certificate', rsa.certFile, '--private-key', rsa.keyFile, '--format', 'text', '--digest', flag]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[0-9a-f]{512}$/);
    expect(verify(alg, payload(rsa.certFile), createPublicKey(readFileSync(rsa.certFile)), Buffer.from(r.out, 'hex'))).toBe(true);
    // Cross-check with openssl: PKCS#1 v1.5 is deterministic, so the bytes must be identical.
    const ossl = execFileSync('openssl', ['dgst', `-${alg}`, '-sign', rsa.keyFile], { input: payload(rsa.certFile) });
    expect(r.out).toBe(ossl.toString('hex'));
  });

  it('bin format writes the raw signature bytes', async () => {
    const r = await runCli(['sign-string', '--certificate', rsa.certFile, '--private-key', rsa.keyFile, '--format', 'bin']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(256);
    expect(verify('sha256', payload(rsa.certFile), createPublicKey(readFileSync(rsa.certFile)), r.stdout)).toBe(true);
  });

  it('refuses a bad --format / --digest and unsupported flags; accepts the TPM flags', async () => {
    const base = ['sign-string', '--certificate', ec.certFile, '--private-key', ec.keyFile];
    const f = await runCli([...base, '--format', 'xml']);
    expect([f.code, f.stderr]).toEqual([1, expect.stringMatching(/^rapki: flag_value_invalid: --format/)]);
    const d = await runCli([...base, '--digest', 'MD5']);
    expect([d.code, d.stderr]).toEqual([1, expect.stringMatching(/^rapki: flag_value_invalid: --digest/)]);
    // --pkcs11-lib only matters for pkcs11: URIs: with key files it is accepted and unused, as by the helper.
    const p = await runCli([...base, '--pkcs11-lib', 'x.so']);
    expect(p.code).toBe(0);
    // TPM flags next to a file key: accepted (ignored), as by the helper; --cert-selector is refused.
    const t = await runCli([...base, '--tpm-key-password', 'x']);
    expect([t.code, t.stderr]).toEqual([0, '']);
    const n = await runCli([...base, '--no-tpm-key-password']);
    expect([n.code, n.stderr]).toEqual([0, '']);
    const c = await runCli([...base, '--cert-selector', 'Key=x509Subject,Value=CN=a']);
    expect([c.code, c.stderr]).toEqual([1, expect.stringMatching(/^rapki: flag_unsupported: --cert-selector/)]);
  });
});

describe('read-certificate-data', () => {
  it.each(['rsa', 'ec'])('prints the helper JSON for a %s certificate (PEM and DER)', async (which) => {
    const leaf = which === 'rsa' ? rsa : ec;
    const der = execFileSync('openssl', ['x509', '-in', leaf.certFile, '-outform', 'DER']);
    const derFile = join(dir, `${which}.der`);
    execFileSync('openssl', ['x509', '-in', leaf.certFile, '-outform', 'DER', '-out', derFile]);
    const serialHex = execFileSync('openssl', ['x509', '-in', leaf.certFile, '-noout', '-serial']).toString().trim().split('=')[1]!;
    const kt = which === 'rsa' ? 'RSA' : 'EC';
    const expected = {
      keyType: kt,
      certificateData: der.toString('base64'),
      serialNumber: BigInt(`0x${serialHex}`).toString(10),
      supportedAlgorithms: [`${kt}SHA256`, `${kt}SHA384`, `${kt}SHA512`],
    };
    for (const file of [leaf.certFile, derFile]) {
      const r = await runCli(['read-certificate-data', '--certificate', file]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual(expected);
      expect(r.out.endsWith('\n')).toBe(false);
    }
  });

  it('fails with a code for a missing or non-certificate file', async () => {
    const a = await runCli(['read-certificate-data', '--certificate', join(dir, 'nope.pem')]);
    expect([a.code, a.stderr]).toEqual([1, expect.stringMatching(/^rapki: file_not_found: /)]);
    const b = await runCli(['read-certificate-data', '--certificate', ec.keyFile]);
    expect([b.code, b.stderr]).toEqual([1, expect.stringMatching(/^rapki: certificate_unparsable: /)]);
    const c = await runCli(['read-certificate-data', '--cert-selector', 'Key=x509Subject,Value=CN=a']);
    expect([c.code, c.stderr]).toEqual([1, expect.stringMatching(/^rapki: flag_unsupported: --cert-selector/)]);
  });
});

describe('version and help', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(['version']);
    expect([r.code, r.out]).toEqual([0, `${pkg.version}\n`]);
  });

  it('lists the signer commands in rapki --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['credential-process', 'sign-string', 'read-certificate-data', 'version']) expect(r.out).toContain(`rapki ${c}`);
  });
});
