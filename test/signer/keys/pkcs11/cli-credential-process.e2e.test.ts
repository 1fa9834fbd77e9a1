/**
 * The built CLI with SoftHSM2 keys: `rapki credential-process` with pkcs11: URIs (token certificate,
 * and a file certificate with a token key) against the independent loopback verifier, which checks
 * the X.509 SigV4 signature and the chain itself; `rapki sign-string` with a token key, verified
 * with node:crypto; PIN errors reported with their code before anything is sent.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../../support/cli.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../../../support/loopback-verifier.js';
import { addTokenIdentity, createSoftHsmToken, SOFTHSM_AVAILABLE, SOFTHSM_SKIP_REASON, type SoftHsmToken } from '../../../support/softhsm.js';
import { ARNS, TestPki } from '../../session/test-pki.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

const OUTPUT_SHAPE = /^\{"Version":1,"AccessKeyId":"[^"]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[^"]+"\}$/;

let token: SoftHsmToken;
let dir: string;
let pki: TestPki;
let verifier: LoopbackVerifier;
let rsaCert: { certFile: string; certPem: string };
let ecCert: { certFile: string; certPem: string };
let pinFile: string;

function cpArgs(certificate: string, privateKey: string | undefined, extra: string[] = []): string[] {
  return [
    'credential-process',
    '--certificate',
    certificate,
    ...(privateKey !== undefined ? ['--private-key', privateKey] : []),
    '--trust-anchor-arn',
    ARNS.trustAnchorArn,
    '--profile-arn',
    ARNS.profileArn,
    '--role-arn',
    ARNS.roleArn,
    '--endpoint',
    verifier.url,
    ...extra,
  ];
}

/** Credentials printed, nothing on stderr, and the verifier accepted exactly one request signed with `alg`. */
function expectAccepted(r: CliResult, alg: 'RSA' | 'ECDSA'): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(OUTPUT_SHAPE);
  expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok']);
  expect(verifier.requests[0]!.headers.authorization).toMatch(new RegExp(`^AWS4-X509-${alg}-SHA256 `));
}

const envWith = (extra: Record<string, string> = {}) => ({ env: { AWS_CA_BUNDLE: verifier.caFile, ...token.env, ...extra } });

beforeAll(async () => {
  if (!SOFTHSM_AVAILABLE) return;
  token = createSoftHsmToken('rapki-cli');
  dir = mkdtempSync(join(tmpdir(), 'rapki-p11-cli-'));
  pki = new TestPki(dir);
  const ca = { cert: pki.rootCert, key: pki.rootKey };
  rsaCert = addTokenIdentity(token, dir, { name: 'rsa', keyType: 'rsa:2048', id: '01', cn: 'rsa.cli.test', ca });
  ecCert = addTokenIdentity(token, dir, { name: 'ec', keyType: 'EC:prime256v1', id: '02', cn: 'ec.cli.test', ca, onToken: false });
  pinFile = join(dir, 'pin');
  writeFileSync(pinFile, '1234\n', { mode: 0o600 });
  verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() });
});

beforeEach(() => verifier?.reset());

afterAll(async () => {
  await verifier?.close();
  token?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!SOFTHSM_AVAILABLE)('rapki with PKCS#11 keys (built CLI, SoftHSM2)', () => {
  it('credential-process: RSA certificate and key on the token, --pkcs11-lib, PIN from RAPKI_PKCS11_PIN', async () => {
    const r = await runCli(
      cpArgs('pkcs11:token=rapki-cli;object=rsa-cert', 'pkcs11:token=rapki-cli;id=%01;type=private', ['--pkcs11-lib', token.module]),
      envWith({ RAPKI_PKCS11_PIN: '1234' }),
    );
    expectAccepted(r, 'RSA');
  });

  it('credential-process: EC key on the token with the certificate from a file, module-path and pin-source in the URI', async () => {
    const key = `pkcs11:token=rapki-cli;object=ec-key?module-path=${token.module}&pin-source=${pinFile}`;
    const r = await runCli(cpArgs(ecCert.certFile, key), envWith());
    expectAccepted(r, 'ECDSA');
  });

  it('credential-process: pin-value works but warns that it shows in the process list', async () => {
    const r = await runCli(cpArgs('pkcs11:token=rapki-cli;object=rsa-cert?pin-value=1234', undefined, ['--pkcs11-lib', token.module]), envWith());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(OUTPUT_SHAPE);
    expect(r.stderr).toMatch(/^rapki: warning: pin-value= .*process list/);
    expect(r.stderr).not.toContain('1234');
  });

  it('credential-process: wrong PIN and missing PIN are coded errors, exit 1, nothing sent', async () => {
    const wrong = await runCli(
      cpArgs('pkcs11:token=rapki-cli;object=rsa-cert', undefined, ['--pkcs11-lib', token.module]),
      envWith({ RAPKI_PKCS11_PIN: '0000' }),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^rapki: pkcs11_wrong_pin: .*CKR_PIN_INCORRECT/);
    expect(wrong.stderr).not.toContain('0000');
    const none = await runCli(cpArgs(ecCert.certFile, 'pkcs11:token=rapki-cli;object=ec-key', ['--pkcs11-lib', token.module]), envWith());
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^rapki: pkcs11_pin_required: /);
    expect(wrong.out + none.out).toBe('');
    expect(verifier.requests).toHaveLength(0);
  });

  it('credential cache: a wrong PIN after a cached call fails as it would uncached; the right one hits', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'rapki-p11-cache-'));
    try {
      const a = cpArgs('pkcs11:token=rapki-cli;object=rsa-cert', undefined, ['--pkcs11-lib', token.module]);
      const run = (pin: string) => runCli(a, envWith({ RAPKI_PKCS11_PIN: pin, XDG_RUNTIME_DIR: runtime }));
      const first = await run('1234');
      expect([first.code, first.stderr]).toEqual([0, '']);
      const wrong = await run('0000');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^rapki: pkcs11_wrong_pin: /);
      const again = await run('1234');
      expect(again.out).toBe(first.out); // a hit
      expect(verifier.requests).toHaveLength(1);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('sign-string with a token key: the signature verifies with the certificate (helper test payload)', async () => {
    const r = await runCli(
      ['sign-string', '--certificate', 'pkcs11:token=rapki-cli;object=rsa-cert', '--pkcs11-lib', token.module, '--format', 'bin'],
      envWith({ RAPKI_PKCS11_PIN: '1234' }),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pub = createPublicKey(rsaCert.certPem);
    const payload = Buffer.concat([
      Buffer.from('AWS Roles Anywhere Credential Helper Signing Test1'),
      createHash('sha256')
        .update(Buffer.concat([Buffer.from('IAM RA'), pub.export({ type: 'pkcs1', format: 'der' })]))
        .digest(),
    ]);
    expect(r.stdout.length).toBe(256);
    expect(cryptoVerify('sha256', payload, pub, r.stdout)).toBe(true);
  });
});
