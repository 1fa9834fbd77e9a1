/**
 * TPM keys through the commands users run, as real processes against `rapki emulator` (a child
 * process, its own verifier: no signer code) and a software TPM: credential-process with TSS2 key
 * files made by tpm2-openssl and a persistent key made by tpm2-tools, each password source
 * (file, environment, the flag with its `ps` warning), `update --once`, `sign-string` (verified by
 * openssl), `fromRolesAnywhere()` in Node; and nothing ever waits for a password on a stdin that is
 * not a terminal.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateProfileCommand, CreateTrustAnchorCommand } from '@aws-sdk/client-rolesanywhere';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRolesAnywhere } from '../../../../signer/src/providers/from-roles-anywhere.js';
import { RAPKI_BIN, REPO_ROOT, runCli, type CliResult } from '../../../support/cli.js';
import { makeRootCa, type TestCa } from '../../../support/emulator-pki.js';
import { issueCertificateForPublicKey } from '../../../support/softhsm.js';
import { makePersistentKey, makeTss2Key, startSwtpm, SWTPM_AVAILABLE, SWTPM_SKIP_REASON, type Swtpm } from '../../../support/swtpm.js';
import { startEmulatorProcess, type EmulatorProcess } from '../../../cli/aws/emulator-process.js';
import { sdkClient } from '../../../emulator/helpers/world.js';

if (!SWTPM_AVAILABLE) console.warn(SWTPM_SKIP_REASON);

const ROLE = 'arn:aws:iam::123456789012:role/app-role';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

let tpm: Swtpm;
let emu: EmulatorProcess;
let dir: string;
let ca: TestCa;
let trustAnchorArn: string;
let profileArn: string;
const keys: Record<string, { keyFile: string; cert: string; serial: string; publicKeyFile: string }> = {};

beforeAll(async () => {
  if (!SWTPM_AVAILABLE) return;
  dir = mkdtempSync(join(tmpdir(), 'rapki-tpm-cli-'));
  tpm = await startSwtpm();
  emu = await startEmulatorProcess();
  ca = makeRootCa(join(dir, 'ca'), 'TPM CLI Root');
  const client = sdkClient(emu.url);
  try {
    const ta = await client.send(
      new CreateTrustAnchorCommand({
        name: 'tpm',
        source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: ca.certPem } },
        enabled: true,
      }),
    );
    const p = await client.send(new CreateProfileCommand({ name: 'tpm', roleArns: [ROLE], enabled: true }));
    trustAnchorArn = ta.trustAnchor!.trustAnchorArn!;
    profileArn = p.profile!.profileArn!;
  } finally {
    client.destroy();
  }
  const add = (name: string, k: { keyFile: string; publicKeyFile: string }) => {
    const c = issueCertificateForPublicKey(dir, { caCert: ca.certPath, caKey: ca.keyPath, publicKeyFile: k.publicKeyFile, cn: `${name}.tpm.test` });
    const serial = /serial=([0-9A-F]+)/i
      .exec(execFileSync('openssl', ['x509', '-in', c.certFile, '-noout', '-serial'], { encoding: 'utf8' }))![1]!
      .toLowerCase();
    keys[name] = { ...k, cert: c.certFile, serial };
  };
  add('p384pw', makeTss2Key(tpm, dir, 'p384pw', { alg: 'ec:P-384', password: 'file-secret' }));
  add('rsa', makeTss2Key(tpm, dir, 'rsa', { alg: 'rsa:2048', password: 'env-secret' }));
  const h = makePersistentKey(tpm, dir, { handle: 0x81000201, alg: 'ec:P-256' });
  add('handle', { keyFile: 'handle:0x81000201', publicKeyFile: h.publicKeyFile });
}, 120_000);

afterAll(async () => {
  await emu?.dispose();
  await tpm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cp(name: string, extra: string[] = []): string[] {
  const k = keys[name]!;
  return [
    'credential-process',
    '--certificate',
    k.cert,
    '--private-key',
    k.keyFile,
    '--trust-anchor-arn',
    trustAnchorArn,
    '--profile-arn',
    profileArn,
    '--role-arn',
    ROLE,
    '--endpoint',
    emu.url,
    '--no-cache',
    ...extra,
  ];
}

/** A port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The emulator's STS says who the credentials are: the role session named after the certificate serial. */
async function whoAmI(out: string): Promise<string> {
  const c = JSON.parse(out) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
    maxAttempts: 1,
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
  } finally {
    sts.destroy();
  }
}

describe.skipIf(!SWTPM_AVAILABLE)('TPM keys through the CLI and rapki emulator', () => {
  it('credential-process: TSS2 P-384 (password from --tpm-key-password-file), TSS2 RSA (from RAPKI_TPM_KEY_PASSWORD), persistent P-256 (--no-tpm-key-password)', async () => {
    const pwFile = join(dir, 'pw');
    writeFileSync(pwFile, 'file-secret\n', { mode: 0o600 });
    const runs: Array<[string, string[], Record<string, string>]> = [
      ['p384pw', ['--tpm-key-password-file', pwFile], {}],
      ['rsa', [], { RAPKI_TPM_KEY_PASSWORD: 'env-secret' }],
      ['handle', ['--no-tpm-key-password'], {}],
    ];
    for (const [name, extra, env] of runs) {
      const r = await runCli(cp(name, extra), { env: { ...tpm.env, ...env }, timeoutMs: 30_000 });
      expect(r.code, fail(r)).toBe(0);
      expect(r.stderr).toBe('');
      expect(await whoAmI(r.out)).toBe(`arn:aws:sts::123456789012:assumed-role/app-role/${keys[name]!.serial}`);
    }
    expect(tpm.tools('tpm2_getcap', ['handles-transient']).trim()).toBe('');
  }, 90_000);

  it('--tpm-key-password on the command line works but warns that ps shows it', async () => {
    const r = await runCli(cp('rsa', ['--tpm-key-password', 'env-secret']), { env: tpm.env, timeoutMs: 30_000 });
    expect(r.code, fail(r)).toBe(0);
    expect(r.stderr).toMatch(
      /^rapki: warning: --tpm-key-password is visible to other users in the process list; use --tpm-key-password-file FILE or the RAPKI_TPM_KEY_PASSWORD environment variable\n$/,
    );
  }, 30_000);

  it('stdin not a terminal and no password: exits at once with tpm_key_password_required, no prompt; nothing reaches the endpoint', async () => {
    const before = Date.now();
    const r = await runCli(cp('p384pw'), { env: tpm.env, timeoutMs: 15_000, input: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^rapki: tpm_key_password_required: the TPM key file .*p384pw.tss2.pem has a password; pass it with --tpm-key-password-file FILE or the RAPKI_TPM_KEY_PASSWORD environment variable.*does not prompt/,
    );
    expect(r.stderr).not.toMatch(/[Pp]assword:\s*$/);
    expect(Date.now() - before).toBeLessThan(10_000);
    const wrong = await runCli(cp('p384pw'), { env: { ...tpm.env, RAPKI_TPM_KEY_PASSWORD: 'nope' }, timeoutMs: 15_000 });
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/^rapki: tpm_wrong_key_password: /)]);
  }, 30_000);

  it('update --once writes the profile with credentials from a TPM key', async () => {
    const file = join(dir, 'credentials');
    const k = keys.handle!;
    const r = await runCli(
      [
        'update',
        '--once',
        '--profile',
        'tpm',
        '--certificate',
        k.cert,
        '--private-key',
        k.keyFile,
        '--no-tpm-key-password',
        '--trust-anchor-arn',
        trustAnchorArn,
        '--profile-arn',
        profileArn,
        '--role-arn',
        ROLE,
        '--endpoint',
        emu.url,
      ],
      { env: { ...tpm.env, AWS_SHARED_CREDENTIALS_FILE: file, HOME: dir }, timeoutMs: 30_000 },
    );
    expect(r.code, fail(r)).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^\[tpm\]\naws_access_key_id = \S+\naws_secret_access_key = \S+\naws_session_token = \S+/m);
  }, 30_000);

  it('sign-string with SHA384 (the official payload) verifies with openssl against the tool-exported public key', async () => {
    const k = keys.p384pw!;
    const r = await runCli(['sign-string', '--certificate', k.cert, '--private-key', k.keyFile, '--format', 'bin', '--digest', 'SHA384'], {
      env: { ...tpm.env, RAPKI_TPM_KEY_PASSWORD: 'file-secret' },
    });
    expect(r.code, fail(r)).toBe(0);
    const { signStringPayload } = await import('../../../../signer/src/sign-string.js');
    const { X509Certificate } = await import('node:crypto');
    writeFileSync(join(dir, 'ss.data'), signStringPayload(new X509Certificate(readFileSync(k.cert)).raw));
    writeFileSync(join(dir, 'ss.sig'), r.stdout);
    expect(
      execFileSync('openssl', ['dgst', '-sha384', '-verify', k.publicKeyFile, '-signature', join(dir, 'ss.sig'), join(dir, 'ss.data')], { encoding: 'utf8' }),
    ).toMatch(/Verified OK/);
  }, 30_000);

  it('serve: the IMDSv2 endpoint hands out credentials made with a persistent TPM key', async () => {
    const k = keys.handle!;
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        RAPKI_BIN,
        'serve',
        '--port',
        String(port),
        '--certificate',
        k.cert,
        '--private-key',
        k.keyFile,
        '--no-tpm-key-password',
        '--trust-anchor-arn',
        trustAnchorArn,
        '--profile-arn',
        profileArn,
        '--role-arn',
        ROLE,
        '--endpoint',
        emu.url,
      ],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...tpm.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const base = `http://127.0.0.1:${port}`;
      let token: string | undefined;
      for (const deadline = Date.now() + 20_000; token === undefined && Date.now() < deadline && child.exitCode === null;) {
        try {
          const r = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
          if (r.ok) token = await r.text();
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      expect(token, err).toBeDefined();
      const creds = (await (
        await fetch(`${base}/latest/meta-data/iam/security-credentials/app-role`, { headers: { 'x-aws-ec2-metadata-token': token! } })
      ).json()) as {
        AccessKeyId: string;
        SecretAccessKey: string;
        Token: string;
      };
      expect(await whoAmI(JSON.stringify({ AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.Token }))).toBe(
        `arn:aws:sts::123456789012:assumed-role/app-role/${k.serial}`,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => (child.exitCode !== null ? res(null) : child.once('exit', res)));
    }
  }, 60_000);

  it('fromRolesAnywhere() in Node with a TSS2 key file', async () => {
    const k = keys.rsa!;
    process.env.TPM_DEVICE = tpm.socket;
    try {
      const provider = fromRolesAnywhere({
        certificate: k.cert,
        privateKey: k.keyFile,
        tpmKeyPassword: 'env-secret',
        trustAnchorArn,
        profileArn,
        roleArn: ROLE,
        endpoint: emu.url,
        maxAttempts: 1,
      });
      const id = await provider();
      expect(id.accessKeyId).toMatch(/^ASIA/);
      expect(await whoAmI(JSON.stringify({ AccessKeyId: id.accessKeyId, SecretAccessKey: id.secretAccessKey, SessionToken: id.sessionToken }))).toBe(
        `arn:aws:sts::123456789012:assumed-role/app-role/${k.serial}`,
      );
    } finally {
      delete process.env.TPM_DEVICE;
    }
  }, 30_000);
});
