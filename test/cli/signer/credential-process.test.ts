/**
 * `rapki credential-process` as a child process of the built bundle, against the independent
 * loopback verifier: output shape, preflight errors (nothing sent), service error mapping,
 * unsupported and unknown flags, password sources, TLS options.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../../support/loopback-verifier.js';
import { startConnectProxy } from '../../signer/session/connect-proxy.js';
import { ARNS, TestPki, type Leaf } from '../../signer/session/test-pki.js';

let dir: string;
let pki: TestPki;
let verifier: LoopbackVerifier;
const L: Record<string, Leaf> = {};

const OUTPUT_SHAPE = /^\{"Version":1,"AccessKeyId":"[^"]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}$/;

function args(leaf: Leaf, extra: string[] = []): string[] {
  return [
    'credential-process',
    '--certificate', leaf.certFile,
    '--private-key', leaf.keyFile,
    ...(leaf.chainFile ? ['--intermediates', leaf.chainFile] : []),
    '--trust-anchor-arn', ARNS.trustAnchorArn,
    '--profile-arn', ARNS.profileArn,
    '--role-arn', ARNS.roleArn,
    '--endpoint', verifier.url,
    ...extra,
  ];
}
const withCa = (extra: Record<string, string> = {}) => ({ env: { AWS_CA_BUNDLE: verifier.caFile, ...extra } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-cli-cp-'));
  pki = new TestPki(dir);
  L.p256 = pki.leaf('p256');
  L.p384 = pki.leaf('p384');
  L.rsaChain = pki.leaf('rsa2048', { withChain: true });
  L.expired = pki.leaf('p256', { notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) });
  L.future = pki.leaf('p256', { notBefore: new Date(Date.now() + 3600_000), notAfter: new Date(Date.now() + 7200_000) });
  L.ca = pki.leaf('p256', { ext: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\n' });
  L.noSig = pki.leaf('p256', { ext: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyAgreement\n' });
  L.sha1 = pki.leaf('p256', { digest: 'sha1' });
  L.mismatch = { ...L.p256, keyFile: L.p384.keyFile };
  L.badChain = { ...L.p256, chainFile: L.p256.certFile }; // the leaf is not its own issuer
  const six = join(dir, 'six.pem');
  const inter = execFileSync('cat', [pki.interCert]).toString();
  writeFileSync(six, inter.repeat(6));
  L.longChain = { ...L.rsaChain, chainFile: six };
  // Encrypted PKCS#8 key.
  const enc = join(dir, 'enc.key');
  execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', L.p256.keyFile, '-out', enc, '-passout', 'pass:s3cret-pw']);
  L.encrypted = { ...L.p256, keyFile: enc };
  writeFileSync(join(dir, 'pw.txt'), 's3cret-pw\n');
  verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() });
});

beforeEach(() => verifier.reset());

afterAll(async () => {
  await verifier?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credential-process (child process)', () => {
  it('prints only the compact credential_process JSON, no trailing newline, exit 0', async () => {
    const r = await runCli(args(L.p256!), withCa());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(OUTPUT_SHAPE);
    expect(r.out.endsWith('\n')).toBe(false);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(j.Version).toBe(1);
    expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok']);
    expect(String(verifier.requests[0]!.headers['user-agent'])).toMatch(/^rapki\//);
  });

  it.each(['p384', 'rsaChain'])('works for %s', async (name) => {
    const r = await runCli(args(L[name]!, ['--session-duration', '1800', '--role-session-name', 'web-1']), withCa());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(OUTPUT_SHAPE);
    expect(JSON.parse(verifier.requests[0]!.body)).toEqual({ durationSeconds: 1800, roleSessionName: 'web-1' });
    expect(verifier.requests[0]!.verdict).toBe('ok');
  });

  it('reads a PKCS#12 file (password from the environment) and a PEM holding certificate and key', async () => {
    const p12 = join(dir, 'id.p12');
    execFileSync('openssl', ['pkcs12', '-export', '-in', L.rsaChain!.certFile, '-inkey', L.rsaChain!.keyFile, '-certfile', pki.interCert,
      '-out', p12, '-passout', 'pass:p12-pw']);
    const a = ['credential-process', '--certificate', p12, '--trust-anchor-arn', ARNS.trustAnchorArn, '--profile-arn', ARNS.profileArn,
      '--role-arn', ARNS.roleArn, '--endpoint', verifier.url];
    const r = await runCli(a, { env: { AWS_CA_BUNDLE: verifier.caFile, RAPKI_PKCS8_PASSWORD: 'p12-pw' } });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.out).toMatch(OUTPUT_SHAPE);
    const combo = join(dir, 'combo.pem');
    writeFileSync(combo, execFileSync('cat', [L.p384!.certFile, L.p384!.keyFile]), { mode: 0o600 }); // holds a key: 0600, or C25 warns
    const c = await runCli(['credential-process', '--certificate', combo, ...a.slice(3)], withCa());
    expect([c.code, c.stderr]).toEqual([0, '']);
    expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok', 'ok']);
    expect(verifier.requests[0]!.headers['x-amz-x509-chain']).toBeTruthy();
  });

  it('--with-proxy tunnels through HTTPS_PROXY (and only with the flag)', async () => {
    const proxy = await startConnectProxy();
    try {
      const env = { AWS_CA_BUNDLE: verifier.caFile, HTTPS_PROXY: proxy.url };
      expect((await runCli(args(L.p256!, ['--with-proxy']), { env })).code).toBe(0);
      expect(proxy.tunnels).toEqual([`127.0.0.1:${verifier.port}`]);
      expect((await runCli(args(L.p256!), { env })).code).toBe(0);
      expect(proxy.tunnels).toHaveLength(1);
      expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok', 'ok']);
    } finally {
      await proxy.close();
    }
  });

  it('--no-verify-ssl (also as --no-verify-ssl=true) instead of AWS_CA_BUNDLE; neither → tls_error', async () => {
    expect((await runCli(args(L.p256!, ['--no-verify-ssl']))).code).toBe(0);
    expect((await runCli(args(L.p256!, ['--no-verify-ssl=true']))).code).toBe(0);
    const r = await runCli(args(L.p256!));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: tls_error: .*AWS_CA_BUNDLE/);
    expect(r.out).toBe('');
    expect(verifier.requests).toHaveLength(2);
    const missing = await runCli(args(L.p256!), { env: { AWS_CA_BUNDLE: join(dir, 'nope.pem') } });
    expect(missing.stderr).toMatch(/^rapki: ca_bundle_unreadable: /);
  });

  it('--debug shows canonical request and string to sign on stderr, never key material', async () => {
    const r = await runCli(args(L.encrypted!, ['--debug', '--pkcs8-password-file', join(dir, 'pw.txt')]), withCa());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(OUTPUT_SHAPE);
    expect(r.stderr).toContain('canonical request:\nPOST\n/sessions\nprofileArn=arn%3Aaws%3Arolesanywhere');
    expect(r.stderr).toContain('string to sign:\nAWS4-X509-ECDSA-SHA256\n');
    expect(r.stderr).not.toMatch(/PRIVATE KEY|s3cret-pw|Signature=/);
  });

  it('reads the key password from --pkcs8-password-file, RAPKI_PKCS8_PASSWORD, or --pkcs8-password with a warning', async () => {
    const f = await runCli(args(L.encrypted!, ['--pkcs8-password-file', join(dir, 'pw.txt')]), withCa());
    expect([f.code, f.stderr]).toEqual([0, '']);
    const e = await runCli(args(L.encrypted!), { env: { AWS_CA_BUNDLE: verifier.caFile, RAPKI_PKCS8_PASSWORD: 's3cret-pw' } });
    expect([e.code, e.stderr]).toEqual([0, '']);
    const a = await runCli(args(L.encrypted!, ['--pkcs8-password', 's3cret-pw']), withCa());
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/warning: --pkcs8-password is visible .*--pkcs8-password-file.*RAPKI_PKCS8_PASSWORD/);
    expect(a.out).toMatch(OUTPUT_SHAPE);
    const none = await runCli(args(L.encrypted!), withCa());
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^rapki: encrypted_key_needs_password: /);
    const wrong = await runCli(args(L.encrypted!), { env: { AWS_CA_BUNDLE: verifier.caFile, RAPKI_PKCS8_PASSWORD: 'nope' } });
    expect(wrong.stderr).toMatch(/^rapki: wrong_key_password: /);
    expect(verifier.requests).toHaveLength(3);
  });

  const preflightCases: Array<[string, () => string[], string]> = [
    ['expired certificate', () => args(L.expired!), 'certificate_expired'],
    ['not yet valid certificate', () => args(L.future!), 'certificate_not_yet_valid'],
    ['CA leaf', () => args(L.ca!), 'leaf_is_ca'],
    ['leaf without digitalSignature', () => args(L.noSig!), 'leaf_missing_digital_signature'],
    ['SHA-1 signed leaf', () => args(L.sha1!), 'weak_signature_algorithm'],
    ['key of another certificate', () => args(L.mismatch!), 'key_certificate_mismatch'],
    ['chain that does not link', () => args(L.badChain!), 'chain_does_not_link'],
    ['chain longer than 5', () => args(L.longChain!), 'chain_too_long'],
    ['malformed trust anchor ARN', () => args(L.p256!, ['--trust-anchor-arn', 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/x']), 'invalid_arn'],
    ['malformed role ARN', () => args(L.p256!, ['--role-arn', 'role/x']), 'invalid_arn'],
    ['regions differ', () => args(L.p256!, ['--profile-arn', ARNS.profileArn.replace('us-east-1', 'eu-west-1')]), 'region_mismatch'],
    ['duration too short', () => args(L.p256!, ['--session-duration', '899']), 'invalid_duration'],
    ['duration too long', () => args(L.p256!, ['--session-duration', '43201']), 'invalid_duration'],
    ['duration not a number', () => args(L.p256!, ['--session-duration', '1h']), 'invalid_flag_value'],
    ['bad role session name', () => args(L.p256!, ['--role-session-name', 'has space']), 'invalid_role_session_name'],
    ['fips region spelling', () => args(L.p256!, ['--region', 'us-east-1-fips']), 'invalid_region'],
    ['missing certificate file', () => args({ ...L.p256!, certFile: join(dir, 'nope.pem') }), 'file_not_found'],
    ['http endpoint off loopback', () => args(L.p256!, ['--endpoint', 'http://example.com']), 'invalid_endpoint'],
    ['fips with endpoint', () => args(L.p256!, ['--use-fips-endpoint']), 'invalid_endpoint'],
  ];
  it.each(preflightCases)('%s → exit 1, %s, nothing sent', async (_name, a, code) => {
    const r = await runCli(a(), withCa());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^rapki: ${code}: \\S`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
    expect(verifier.requests).toHaveLength(0);
  });

  it.each([
    [{ kind: 'error', status: 403, code: 'AccessDeniedException', message: 'Invalid signature' }, 'invalid_signature', /clock/],
    [{ kind: 'error', status: 403, code: 'AccessDeniedException', message: 'Untrusted Signing Certificate' }, 'untrusted_certificate', /--intermediates/],
    [{ kind: 'error', status: 403, code: 'AccessDeniedException', message: 'Not authorized to set roleSessionName.' }, 'role_session_name_not_allowed', /acceptRoleSessionName/],
    [{ kind: 'error', status: 404, code: 'ResourceNotFoundException', message: 'Profile not found' }, 'resource_not_found', /Profile not found/],
    [{ kind: 'error', status: 400, code: 'ValidationException', message: 'bad duration' }, 'validation_failed', /--session-duration/],
  ] as const)('service answer %j → %s', async (answer, code, hint) => {
    verifier.script(answer);
    const r = await runCli(args(L.p256!), withCa());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^rapki: ${code}: `));
    expect(r.stderr).toMatch(hint);
    expect(r.out).toBe('');
    expect(verifier.requests).toHaveLength(1);
  });

  it('retries 5xx and throttling, then succeeds; persistent throttling → throttled', async () => {
    verifier.failNext(1, 503, 'ServiceUnavailableException');
    verifier.failNext(1, 429, undefined, 'Rate exceeded');
    const ok = await runCli(args(L.p256!), withCa());
    expect(ok.code).toBe(0);
    expect(verifier.requests.map((q) => q.verdict)).toEqual(['scripted:error', 'scripted:error', 'ok']);
    verifier.reset();
    verifier.failNext(3, 429, 'ThrottlingException', 'Rate exceeded');
    const r = await runCli(args(L.p256!), withCa());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: throttled: .*after 3 attempts/);
  });

  it.each([
    ['--cert-selector', 'Key=x509Subject,Value=CN=a'],
    ['--system-store-name', 'MY'],
    ['--use-latest-expiring-certificate'],
  ])('%s is parsed and refused naming the flag', async (...flag) => {
    const r = await runCli(args(L.p256!, flag as string[]), withCa());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^rapki: unsupported_flag: ${flag[0]} is not supported`));
    expect(verifier.requests).toHaveLength(0);
  });

  it('takes pkcs11: URIs to the PKCS#11 loader and TPM handle: keys to the TPM loader (a missing module or TPM is a coded error)', async () => {
    const a = await runCli(args({ ...L.p256!, keyFile: 'pkcs11:token=t;object=k' }, ['--pkcs11-lib', join(dir, 'no-such-module.so')]), withCa());
    expect(a.stderr).toMatch(/^rapki: pkcs11_module_not_found: /);
    expect(verifier.requests).toHaveLength(0);
    const b = await runCli(args({ ...L.p256!, keyFile: 'handle:0x81000001' }, ['--no-tpm-key-password']), withCa({ TPM_DEVICE: join(dir, 'no-such-tpm') }));
    expect(b.stderr).toMatch(/^rapki: tpm_not_found: No TPM at .*no-such-tpm/);
    expect([a.code, b.code]).toEqual([1, 1]);
    expect(verifier.requests).toHaveLength(0);
  });

  it('refuses unknown flags, positionals and missing values with exit 1', async () => {
    const u = await runCli(args(L.p256!, ['--certificat', 'x']));
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^rapki: unknown_flag: unknown flag --certificat/);
    const p = await runCli(args(L.p256!, ['extra']));
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/^rapki: unknown_flag: unexpected argument/);
    const m = await runCli(['credential-process', '--certificate']);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/^rapki: invalid_flag_value: /);
    const req = await runCli(['credential-process', '--certificate', L.p256!.certFile, '--private-key', L.p256!.keyFile]);
    expect(req.stderr).toMatch(/^rapki: missing_flag: --trust-anchor-arn is required/);
    expect(verifier.requests).toHaveLength(0);
  });

  it('--help goes through yargs and explains every flag', async () => {
    const r = await runCli(['credential-process', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['certificate', 'private-key', 'intermediates', 'trust-anchor-arn', 'profile-arn', 'role-arn', 'session-duration',
      'region', 'endpoint', 'no-verify-ssl', 'with-proxy', 'debug', 'role-session-name', 'cert-selector', 'system-store-name',
      'use-latest-expiring-certificate', 'pkcs11-lib', 'reuse-pin', 'tpm-key-password', 'no-tpm-key-password', 'pkcs8-password',
      'pkcs8-password-file', 'use-fips-endpoint', 'timeout']) {
      expect(r.out).toMatch(new RegExp(`--${flag}\\s+\\S`));
    }
  });
});
