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
import { makeServerCertificate, startLoopbackVerifier, type LoopbackVerifier } from '../../support/loopback-verifier.js';
import { startConnectProxy, type ConnectProxy } from '../../signer/session/connect-proxy.js';
import { ARNS, TestPki, type Leaf } from '../../signer/session/test-pki.js';
import { OFFICIAL_CREDENTIAL_PROCESS_FLAGS } from '../../support/signer-args.js';

let dir: string;
let pki: TestPki;
let verifier: LoopbackVerifier;
const L: Record<string, Leaf> = {};

const OUTPUT_SHAPE = /^\{"Version":1,"AccessKeyId":"[^"]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}$/;

function args(leaf: Leaf, extra: string[] = []): string[] {
  return [
    'credential-process',
    '--certificate',
    leaf.certFile,
    '--private-key',
    leaf.keyFile,
    ...(leaf.chainFile ? ['--intermediates', leaf.chainFile] : []),
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
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-in',
      L.rsaChain!.certFile,
      '-inkey',
      L.rsaChain!.keyFile,
      '-certfile',
      pki.interCert,
      '-out',
      p12,
      '-passout',
      'pass:p12-pw',
    ]);
    const a = [
      'credential-process',
      '--certificate',
      p12,
      '--trust-anchor-arn',
      ARNS.trustAnchorArn,
      '--profile-arn',
      ARNS.profileArn,
      '--role-arn',
      ARNS.roleArn,
      '--endpoint',
      verifier.url,
    ];
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

  describe('proxies, as the official helper (Go ProxyFromEnvironment), with or without --with-proxy', () => {
    // A verifier whose certificate names the public endpoint and a name that never resolves; the
    // test's CONNECT proxy sends every tunnel to it, so only the proxy makes those names reachable.
    const PUBLIC = 'rolesanywhere.us-east-1.amazonaws.com';
    const NOWHERE = 'ra.proxied.invalid';
    let named: LoopbackVerifier;
    let proxy: ConnectProxy;
    beforeAll(async () => {
      named = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() }, makeServerCertificate([PUBLIC, NOWHERE]));
      proxy = await startConnectProxy({ forwardTo: { host: '127.0.0.1', port: named.port } });
    });
    afterAll(async () => {
      await proxy.close();
      await named.close();
    });
    const noEndpoint = (extra: string[] = []) =>
      args(L.p256!, ['--no-cache', '--timeout', '5', ...extra]).filter((a, i, all) => a !== '--endpoint' && all[i - 1] !== '--endpoint');

    it('HTTPS_PROXY carries a call to the default endpoint (no flag needed); https_proxy and --with-proxy too', async () => {
      const n = named.requests.length;
      const r = await runCli(noEndpoint(), { env: { AWS_CA_BUNDLE: named.caFile, HTTPS_PROXY: proxy.url } });
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.out).toMatch(OUTPUT_SHAPE);
      expect(proxy.tunnels.at(-1)).toBe(`${PUBLIC}:443`);
      expect(named.requests[n]!.headers.host).toBe(PUBLIC);
      expect(named.requests[n]!.verdict).toBe('ok');
      const lower = await runCli(noEndpoint(['--with-proxy']), { env: { AWS_CA_BUNDLE: named.caFile, https_proxy: proxy.url } });
      expect([lower.code, lower.stderr]).toEqual([0, '']);
      expect(proxy.tunnels.slice(-2)).toEqual([`${PUBLIC}:443`, `${PUBLIC}:443`]);
    });

    it('NO_PROXY sends a host direct; loopback endpoints never use the proxy', async () => {
      const tunnels = proxy.tunnels.length;
      const env = { AWS_CA_BUNDLE: named.caFile, HTTPS_PROXY: proxy.url, AWS_ENDPOINT_URL_ROLESANYWHERE: `https://${NOWHERE}` };
      const via = await runCli(noEndpoint(), { env });
      expect([via.code, via.stderr]).toEqual([0, '']);
      expect(proxy.tunnels.slice(tunnels)).toEqual([`${NOWHERE}:443`]);
      const direct = await runCli(noEndpoint(), { env: { ...env, NO_PROXY: 'proxied.invalid' } });
      expect(direct.code).toBe(1);
      expect(direct.stderr).toMatch(new RegExp(`^rapki: network_error: cannot reach ${NOWHERE.replace(/\./g, '\\.')}: .*set HTTPS_PROXY`));
      const loopback = await runCli(args(L.p256!, ['--no-cache', '--with-proxy']), {
        env: { AWS_CA_BUNDLE: verifier.caFile, HTTPS_PROXY: proxy.url, https_proxy: proxy.url },
      });
      expect([loopback.code, loopback.stderr]).toEqual([0, '']);
      expect(proxy.tunnels.slice(tunnels)).toEqual([`${NOWHERE}:443`]);
      expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok']);
    });
  });

  it('takes the endpoint from AWS_ENDPOINT_URL when no --endpoint is given; plain http off loopback is sent with a warning', async () => {
    const noEndpoint = args(L.p256!, ['--no-cache']).filter((a, i, all) => a !== '--endpoint' && all[i - 1] !== '--endpoint');
    const r = await runCli(noEndpoint, { env: { AWS_CA_BUNDLE: verifier.caFile, AWS_ENDPOINT_URL: verifier.url } });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok']);
    // A plain http endpoint that is not loopback: used (the request goes out), with a warning first.
    const plain = await runCli(args(L.p256!, ['--no-cache', '--timeout', '5', '--endpoint', 'http://ra.plain.invalid:8080']));
    expect(plain.stderr.split('\n')[0]).toBe(
      'rapki: warning: endpoint http://ra.plain.invalid:8080 is plain http: the signed request and the credentials it returns cross the network unencrypted; use https',
    );
    expect(plain.stderr).toMatch(/rapki: network_error: cannot reach ra\.plain\.invalid:8080: /);
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
    ['duration too short', () => args(L.p256!, ['--session-duration', '899']), 'duration_invalid'],
    ['duration too long', () => args(L.p256!, ['--session-duration', '43201']), 'duration_invalid'],
    ['duration not a number', () => args(L.p256!, ['--session-duration', '1h']), 'flag_value_invalid'],
    ['bad role session name', () => args(L.p256!, ['--role-session-name', 'has space']), 'invalid_role_session_name'],
    ['fips region spelling', () => args(L.p256!, ['--region', 'us-east-1-fips']), 'invalid_region'],
    ['missing certificate file', () => args({ ...L.p256!, certFile: join(dir, 'nope.pem') }), 'file_not_found'],
    ['ftp endpoint', () => args(L.p256!, ['--endpoint', 'ftp://example.com']), 'invalid_endpoint'],
    ['fips with endpoint', () => args(L.p256!, ['--use-fips-endpoint']), 'invalid_endpoint'],
  ];
  it.each(preflightCases)('%s → exit 1, %s, nothing sent', async (_name, a, code) => {
    const r = await runCli(a(), withCa());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^rapki: ${code}: \\S`));
    // One line, and the registry's `hint:` line for the codes that have one (cli/src/report.ts).
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('hint: ')),
    ).toHaveLength(1);
    expect(r.out).toBe('');
    expect(verifier.requests).toHaveLength(0);
  });

  it.each([
    [{ kind: 'error', status: 403, code: 'AccessDeniedException', message: 'Invalid signature' }, 'invalid_signature', /clock/],
    [{ kind: 'error', status: 403, code: 'AccessDeniedException', message: 'Untrusted Signing Certificate' }, 'certificate_untrusted', /--intermediates/],
    [
      { kind: 'error', status: 403, code: 'AccessDeniedException', message: 'Not authorized to set roleSessionName.' },
      'role_session_name_not_allowed',
      /acceptRoleSessionName/,
    ],
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
  ])('%s is parsed and refused naming the flag', async (...flag) => {
    const r = await runCli(args(L.p256!, flag as string[]), withCa());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^rapki: flag_unsupported: ${flag[0]} is not supported`));
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

  it('refuses unknown flags and missing values with exit 1; an empty ARN variable is named as such', async () => {
    const u = await runCli(args(L.p256!, ['--certificat', 'x']));
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^rapki: flag_unknown: unknown flag --certificat for credential-process/);
    const m = await runCli(['credential-process', '--certificate']);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/^rapki: flag_missing: --certificate needs a value/);
    const req = await runCli(['credential-process', '--certificate', L.p256!.certFile, '--private-key', L.p256!.keyFile]);
    expect(req.stderr).toMatch(/^rapki: flag_missing: --trust-anchor-arn is required/);
    // `--role-arn $ROLE --profile-arn …` with ROLE empty: not "argument is ambiguous".
    const empty = await runCli(['credential-process', '--certificate', L.p256!.certFile, '--role-arn', '--profile-arn', ARNS.profileArn]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe(
      'rapki: flag_missing: --role-arn was given no value: the next argument, --profile-arn, is a flag (an empty shell variable?); a value starting with -- goes as --role-arn=VALUE\n' +
        'hint: run the command with --help to see its flags\n',
    );
    expect(verifier.requests).toHaveLength(0);
  });

  it('accepts what the official helper accepts: stray arguments (warned, by name), TPM flags, a value starting with -', async () => {
    const stray = await runCli(args(L.p256!, ['extra', '', '--no-cache']), withCa());
    expect(stray.code).toBe(0);
    expect(stray.out).toMatch(OUTPUT_SHAPE);
    expect(stray.stderr).toBe(
      'rapki: warning: credential-process ignores the extra arguments "extra" "" (not a flag or a flag value; a flag name missing its --?)\n',
    );
    const tpm = await runCli(
      args(L.p256!, ['--tpm-key-password', 'pw', '--no-tpm-key-password=false', '--use-latest-expiring-certificate', '--no-cache']),
      withCa(),
    );
    expect([tpm.code, tpm.stderr]).toEqual([0, '']);
    const noted = await runCli(args(L.p256!, ['--no-tpm-key-password', '--no-cache', '--debug']), withCa());
    expect(noted.code).toBe(0);
    expect(noted.stderr).toContain('rapki: debug: --no-tpm-key-password is ignored: the key is not a TPM 2.0 key\n');
    // Go pflag takes the next argument as the value even when it starts with '-'.
    const dash = join(dir, 'dash.key');
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', L.p256!.keyFile, '-out', dash, '-passout', 'pass:-x-pw']);
    const pw = await runCli(args({ ...L.p256!, keyFile: dash }, ['--pkcs8-password', '-x-pw', '--no-cache']), withCa());
    expect(pw.code).toBe(0);
    expect(pw.out).toMatch(OUTPUT_SHAPE);
    expect(verifier.requests.map((q) => q.verdict)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('-h, help <command> and no command print usage and exit 0, as cobra does', async () => {
    const h = await runCli(['credential-process', '-h']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/rapki credential-process --certificate F/);
    const help = await runCli(['help', 'credential-process']);
    expect(help.code).toBe(0);
    expect(help.out).toBe(h.out);
    expect(help.stderr).not.toMatch(/Did you mean/);
    for (const c of ['serve', 'update', 'sign-string', 'read-certificate-data']) {
      const r = await runCli([c, '-h']);
      expect([c, r.code]).toEqual([c, 0]);
      expect(r.out).toContain(`rapki ${c}`);
    }
    const none = await runCli([]);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/^rapki <command> \[options\]/);
  });

  it('--debug is accepted on every command', async () => {
    expect((await runCli(['version', '--debug'])).code).toBe(0);
    const rcd = await runCli(['read-certificate-data', '--certificate', L.p256!.certFile, '--debug']);
    expect([rcd.code, rcd.stderr]).toEqual([0, '']);
    const ss = await runCli(['sign-string', '--certificate', L.p256!.certFile, '--private-key', L.p256!.keyFile, '--debug', '--tpm-key-password', 'x']);
    expect(ss.code).toBe(0);
    expect(ss.stderr).toBe('rapki: debug: --tpm-key-password is ignored: the key is not a TPM 2.0 key\n');
  });

  it('--help goes through yargs and explains every flag', async () => {
    const r = await runCli(['credential-process', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [...OFFICIAL_CREDENTIAL_PROCESS_FLAGS, 'pkcs8-password-file', 'use-fips-endpoint', 'timeout']) {
      expect(r.out).toMatch(new RegExp(`--${flag}\\s+\\S`));
    }
  });
});
