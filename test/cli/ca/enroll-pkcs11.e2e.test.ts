/**
 * `rapki enroll --key pkcs11:…` with real parts: a SoftHSM2 token, `rapki ca serve` as a child
 * process (root-issued host certificates, so chain.pem is empty), the built CLI for enroll, renew
 * and credential-process, and the loopback CreateSession verifier. pkcs11-tool (OpenSC) and openssl
 * check independently that the certificate's public key is the token key's.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../../support/loopback-verifier.js';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { createSoftHsmToken, SOFTHSM_AVAILABLE, SOFTHSM_SKIP_REASON, type SoftHsmToken } from '../../support/softhsm.js';
import { parsePkcs11Uri } from '../../../common/src/pkcs11/uri.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

const ARNS = [
  '--trust-anchor-arn',
  'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a',
  '--profile-arn',
  'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b',
  '--role-arn',
  'arn:aws:iam::123456789012:role/token-host',
];
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

describe.skipIf(!SOFTHSM_AVAILABLE)('enroll --key pkcs11: (SoftHSM2, real CA process)', () => {
  let tmp: string;
  let ca: CaServerProcess;
  let token: SoftHsmToken;
  let verifier: LoopbackVerifier;
  let caEnv: Record<string, string>;
  let hsmEnv: Record<string, string>;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-enroll-p11-');
    token = createSoftHsmToken('rapki-host');
    ca = await startCaServerProcess({ intermediate: false });
    verifier = await startLoopbackVerifier({ trustedRootsPem: await readFile(ca.rootPem, 'utf8') });
    caEnv = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    hsmEnv = { ...token.env, RAPKI_PKCS11_PIN: token.pin };
  }, 60_000);

  afterAll(async () => {
    await verifier?.close();
    await ca?.dispose();
    token?.cleanup();
    if (tmp) await removeTempDir(tmp);
  });

  const enrollToken = async (subject: string): Promise<string> => {
    const r = await runCli(['token', 'create', '--subject', subject, '--ttl', '15m'], { env: caEnv });
    expect(r.code, fail(r)).toBe(0);
    const f = join(tmp, `token-${subject}`);
    await writeFile(f, r.out, { mode: 0o600 });
    return f;
  };

  const enroll = async (name: string, keyType: string, keyUri: string, extraEnv: Record<string, string> = hsmEnv) => {
    const out = join(tmp, name);
    const r = await runCli(
      ['enroll', '--token-file', await enrollToken(name), '--out', out, '--key', keyUri, '--key-type', keyType, '--pkcs11-lib', token.module, '--json'],
      { env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, ...extraEnv }, timeoutMs: 60_000 },
    );
    return { out, r };
  };

  const credentialProcess = (out: string, keyUri: string) =>
    runCli(
      [
        'credential-process',
        '--certificate',
        join(out, 'certificate.pem'),
        '--private-key',
        keyUri,
        '--intermediates',
        join(out, 'chain.pem'),
        '--pkcs11-lib',
        token.module,
        ...ARNS,
        '--endpoint',
        verifier.url,
      ],
      { env: { ...hsmEnv, AWS_CA_BUNDLE: verifier.caFile } },
    );

  for (const keyType of ['ec-p256', 'rsa-2048', 'ec-p384'] as const) {
    it(`${keyType}: key made on the token, no key file, and credential-process signs with the printed URI`, async () => {
      const name = `p11-${keyType}`;
      const { out, r } = await enroll(name, keyType, `pkcs11:token=rapki-host;object=${name}`);
      expect(r.code, fail(r)).toBe(0);
      const res = JSON.parse(r.out) as { subject: string; files: Record<string, string> };
      expect(res.subject).toBe(name);
      const keyUri = res.files['privateKey']!;
      expect(keyUri).toMatch(/^pkcs11:/);
      expect(keyUri).toContain(`object=${name}`);
      expect(keyUri).toContain('type=private');
      expect(keyUri).not.toMatch(/pin-value|1234/);

      // Exactly the three public files; no private key on disk.
      expect((await readdir(out)).sort()).toEqual(['ca.pem', 'certificate.pem', 'chain.pem']);
      expect(await readFile(join(out, 'chain.pem'), 'utf8')).toBe('');
      await openssl(['verify', '-CAfile', join(out, 'ca.pem'), join(out, 'certificate.pem')]);

      // pkcs11-tool reads the public key object with the same CKA_ID: it is the certificate's key
      // (RSA: the exported SPKI; EC: the EC_POINT it lists, as some OpenSC releases cannot export
      // P-384 keys), and the private key is sensitive and never extractable.
      const idHex = Buffer.from(parsePkcs11Uri(keyUri).id!).toString('hex');
      const tool = (args: string[]): string =>
        execFileSync('pkcs11-tool', ['--module', token.module, '--token-label', 'rapki-host', ...args], {
          env: { ...process.env, ...token.env },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      const certPub = new X509Certificate(await readFile(join(out, 'certificate.pem'))).publicKey;
      if (keyType.startsWith('rsa')) {
        const pubDer = join(tmp, `${name}.pub.der`);
        tool(['--read-object', '--type', 'pubkey', '--id', idHex, '-o', pubDer]);
        const tokenPub = await openssl(['pkey', '-pubin', '-inform', 'DER', '-in', pubDer]);
        expect(tokenPub.trim()).toBe((certPub.export({ type: 'spki', format: 'pem' }) as string).trim());
      } else {
        const jwk = certPub.export({ format: 'jwk' });
        const point = `04${Buffer.from(jwk.x!, 'base64url').toString('hex')}${Buffer.from(jwk.y!, 'base64url').toString('hex')}`;
        const block = tool(['--list-objects', '--type', 'pubkey'])
          .split(/\n(?=\S)/)
          .find((b) => new RegExp(`^\\s*ID:\\s*${idHex}\\s*$`, 'im').test(b));
        expect(block).toBeDefined();
        expect(/EC_POINT:\s*([0-9a-f]+)/i.exec(block!)![1]!.toLowerCase()).toContain(point);
      }
      const priv = tool(['--login', '--pin', token.pin, '--list-objects', '--type', 'privkey'])
        .split(/\n(?=\S)/)
        .find((b) => new RegExp(`^\\s*ID:\\s*${idHex}\\s*$`, 'im').test(b));
      expect(priv).toMatch(/Access:[^\n]*\bsensitive\b[^\n]*never extractable/);

      const cp = await credentialProcess(out, keyUri);
      expect(cp.code, fail(cp)).toBe(0);
      const creds = JSON.parse(cp.out) as Record<string, unknown>;
      expect(creds['Version']).toBe(1);
      expect(typeof creds['AccessKeyId']).toBe('string');
      const last = verifier.requests.at(-1)!;
      expect(last.verdict).toBe('ok');
      expect(last.headers['x-amz-x509-chain']).toBeUndefined();
      const sent = new X509Certificate(Buffer.from(String(last.headers['x-amz-x509']), 'base64'));
      expect(sent.subject).toBe(`CN=${name}`);
    }, 90_000);
  }

  it('the PIN of a pin-value in --key is used but never printed; renew and agent refuse a pkcs11: key with a coded error', async () => {
    const name = 'p11-pinvalue';
    const { out, r } = await enroll(name, 'ec-p256', `pkcs11:token=rapki-host;object=${name}?pin-value=${token.pin}`, { ...token.env });
    expect(r.code, fail(r)).toBe(0);
    expect(r.out + r.stderr).not.toContain(`pin-value`);
    const keyUri = (JSON.parse(r.out) as { files: { privateKey: string } }).files.privateKey;

    for (const cmd of ['renew', 'agent']) {
      const rr = await runCli([cmd, '--certificate', join(out, 'certificate.pem'), '--private-key', keyUri], {
        env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, ...hsmEnv },
      });
      expect(rr.code, fail(rr)).toBe(1);
      expect(rr.stderr).toMatch(/^rapki: pkcs11_renew_unsupported: --private-key pkcs11:/m);
    }
  }, 90_000);

  it('a wrong PIN or a --key that is not a pkcs11: URI fails with a coded error and writes nothing', async () => {
    const bad = await enroll('p11-badpin', 'ec-p256', 'pkcs11:token=rapki-host;object=p11-badpin', { ...token.env, RAPKI_PKCS11_PIN: '9999' });
    expect(bad.r.code, fail(bad.r)).toBe(1);
    expect(bad.r.stderr).toMatch(/^rapki: pkcs11_wrong_pin: /m);
    await expect(readdir(bad.out)).rejects.toThrow();

    const notUri = await runCli(['enroll', '--token', 'x', '--out', join(tmp, 'p11-nouri'), '--key', '/etc/key.pem'], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint },
    });
    expect(notUri.code, fail(notUri)).toBe(1);
    expect(notUri.stderr).toMatch(/^rapki: flag_value_invalid: --key takes a pkcs11: URI/m);
  }, 60_000);
});
