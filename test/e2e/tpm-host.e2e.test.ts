/**
 * A host whose key lives in the TPM, end to end with real processes: a software TPM (swtpm), a CA
 * server, `rapki emulator` as Roles Anywhere. `rapki enroll --key tpm` makes the key inside the TPM
 * and writes a TSS2 key file; the tpm2-openssl provider (not rapki) reads that file and must find the
 * certificate's public key in it; `credential-process` with the file gets credentials the emulator
 * issues and its STS accepts; `rapki agent` renews with a new TPM key (the CA gets a proof of
 * possession signed in the TPM, since Node's TLS cannot use a TPM key) and replaces the key file only
 * together with the new certificate; credentials work with the renewed files.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand } from '../../cli/src/handlers/agent.js';
import type { DaemonEnv } from '../../cli/src/ca-client/daemon-env.js';
import type { CommandIo } from '../../cli/src/io.js';
import { loadCurrent } from '../../cli/src/ca-client/renew.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { startSwtpm, SWTPM_AVAILABLE, SWTPM_SKIP_REASON, type Swtpm } from '../support/swtpm.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

if (!SWTPM_AVAILABLE) console.warn(SWTPM_SKIP_REASON);

const ROLE = 'arn:aws:iam::123456789012:role/rapki-tpm-e2e';
const PASSWORD = 'tpm key pässword';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

let tpm: Swtpm;
let emu: EmulatorProcess;
let ca: CaServerProcess;
let tmp: string;
let adminEnv: Record<string, string>;
let arns: { trustAnchorArn: string; profileArn: string };

beforeAll(async () => {
  if (!SWTPM_AVAILABLE) return;
  tmp = await makeTempDir('rapki-e2e-tpm-');
  tpm = await startSwtpm();
  emu = await startEmulatorProcess();
  ca = await startCaServerProcess({ intermediate: true, env: { ...TEST_AWS_ENV } });
  adminEnv = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
  const reg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: adminEnv, timeoutMs: 60_000 });
  expect(reg.code, fail(reg)).toBe(0);
  arns = JSON.parse(reg.out) as { trustAnchorArn: string; profileArn: string };
}, 120_000);

afterAll(async () => {
  await ca?.dispose();
  await emu?.dispose();
  await tpm?.stop();
  if (tmp) await removeTempDir(tmp);
});

async function enrollTpm(subject: string, keyType: string, password?: string): Promise<{ dir: string; serial: string; out: CliResult }> {
  const t = await runCli(['token', 'create', '--subject', subject, '--cert-ttl', '60s', '--json'], { env: adminEnv });
  expect(t.code, fail(t)).toBe(0);
  const dir = join(tmp, subject);
  const args = ['enroll', '--out', dir, '--key', 'tpm', '--key-type', keyType];
  if (password !== undefined) {
    writeFileSync(join(tmp, `${subject}.pw`), `${password}\n`, { mode: 0o600 });
    args.push('--tpm-key-password-file', join(tmp, `${subject}.pw`));
  }
  const e = await runCli(args, {
    env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ENROLL_TOKEN: (JSON.parse(t.out) as { token: string }).token, ...tpm.env },
    timeoutMs: 60_000,
  });
  expect(e.code, fail(e)).toBe(0);
  const serial = new X509Certificate(readFileSync(join(dir, 'certificate.pem'))).serialNumber.toLowerCase();
  return { dir, serial, out: e };
}

/** The public key the tpm2-openssl provider finds in a TSS2 key file (independent of rapki). */
function providerPublicKey(keyFile: string, password?: string): string {
  return tpm.openssl(['pkey', '-provider', 'tpm2', '-provider', 'default', ...(password ? ['-passin', `pass:${password}`] : []), '-in', keyFile, '-pubout']);
}

/** The public key at a persistent handle, as tpm2-tools reads it (PEM). */
function handlePublicKey(handle: number): string {
  const out = join(tmp, `h-${handle.toString(16)}-${Math.random().toString(36).slice(2)}.pem`);
  tpm.tools('tpm2_readpublic', ['-c', `0x${handle.toString(16)}`, '-f', 'pem', '-o', out]);
  return createPublicKey(readFileSync(out)).export({ type: 'spki', format: 'pem' }) as string;
}

/** Makes the key of a TSS2 key file persistent at `handle` (set-up of a handle host). */
async function persist(handle: number, keyFile: string): Promise<void> {
  const { tss2KeyOf, replacePersistentKey } = await import('../../signer/src/keys/tpm/index.js');
  await replacePersistentKey(handle, tss2KeyOf(readFileSync(keyFile, 'utf8'), keyFile), 'set-up key', { env: tpm.env });
}

function certPublicKey(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'pem' }) as string;
}

async function credentials(dir: string, env: Record<string, string>): Promise<{ AccessKeyId: string; SecretAccessKey: string; SessionToken: string }> {
  const r = await runCli(
    [
      'credential-process',
      '--certificate',
      join(dir, 'certificate.pem'),
      '--private-key',
      join(dir, 'private-key.pem'),
      '--intermediates',
      join(dir, 'chain.pem'),
      '--trust-anchor-arn',
      arns.trustAnchorArn,
      '--profile-arn',
      arns.profileArn,
      '--role-arn',
      ROLE,
      '--endpoint',
      emu.url,
      '--no-cache',
    ],
    { env: { ...tpm.env, ...env }, timeoutMs: 30_000 },
  );
  expect(r.code, fail(r)).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.out) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
}

async function callerArn(c: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }): Promise<string> {
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

/** A serial in hex, lower case, without leading zeros (tools differ in how they pad it). */
const norm = (hex: string): string => hex.toLowerCase().replace(/^0+/, '');

/** The certificate serial the emulator's STS put in the role session name. */
function sessionSerial(arn: string): string {
  expect(arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/rapki-tpm-e2e\/[0-9a-fA-F]+$/);
  return norm(arn.slice(arn.lastIndexOf('/') + 1));
}

function io(env: Record<string, string>): CommandIo & { err: string; entries: () => Array<Record<string, unknown>> } {
  const o = {
    out: '',
    err: '',
    env: { PATH: process.env.PATH, ...env },
    stdoutIsTty: false,
    stdout: (t: string | Uint8Array) => void (o.out += String(t)),
    stderr: (t: string) => void (o.err += t),
    entries: () =>
      o.err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
  return o;
}

/** Virtual time, no file mtime: a 60 s certificate (backdated 5 min by the CA) is due at once. */
function daemon(stopAfterSleeps: number): DaemonEnv {
  const ac = new AbortController();
  let sleeps = 0;
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    random: () => 0.5,
    signal: ac.signal,
    sleep: async (ms) => {
      offset += ms;
      if (++sleeps >= stopAfterSleeps) ac.abort();
    },
  };
}

describe.skipIf(!SWTPM_AVAILABLE)('a host key in the TPM: enroll --key tpm, credential-process, renewal by the agent', () => {
  it("RSA 2048 without password: the TSS2 key file holds the certificate's key; credentials from the emulator work with STS", async () => {
    const { dir, serial, out } = await enrollTpm('tpm-rsa', 'rsa-2048');
    expect(out.out).toContain('the key is in the TPM');
    const keyFile = join(dir, 'private-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN TSS2 PRIVATE KEY-----\n/);
    expect(providerPublicKey(keyFile)).toBe(certPublicKey(join(dir, 'certificate.pem')));
    const arn = await callerArn(await credentials(dir, {}));
    expect(arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/rapki-tpm-e2e\/[0-9a-f]+$/);
    expect(sessionSerial(arn)).toBe(norm(serial));
  }, 120_000);

  it('EC P-256 with a password: the agent renews with a NEW TPM key, swaps key file and certificate together, credentials still work', async () => {
    const { dir, serial } = await enrollTpm('tpm-ec', 'ec-p256', PASSWORD);
    const keyFile = join(dir, 'private-key.pem');
    const certFile = join(dir, 'certificate.pem');
    const oldKeyPem = readFileSync(keyFile, 'utf8');
    const oldPublic = providerPublicKey(keyFile, PASSWORD);
    expect(oldPublic).toBe(certPublicKey(certFile));
    const env = { ...tpm.env, RAPKI_TPM_KEY_PASSWORD: PASSWORD };
    expect(sessionSerial(await callerArn(await credentials(dir, env)))).toBe(norm(serial));

    // The snippet `aws register --host-key tpm` prints is the line that works on this host, as is.
    const pwFile = join(tmp, 'tpm-ec.pw');
    const reg = await runCli(
      ['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url, '--host-key', 'tpm', '--cert-dir', dir, '--tpm-key-password-file', pwFile],
      {
        env: adminEnv,
        timeoutMs: 60_000,
      },
    );
    expect(reg.code, fail(reg)).toBe(0);
    const snippet = (JSON.parse(reg.out) as { configSnippet: string }).configSnippet;
    expect(snippet).toMatch(/^# Host keys in the TPM/);
    const line = /^credential_process = rapki (.*)$/m.exec(snippet)![1]!;
    expect(line).toContain(`--private-key ${keyFile} `);
    expect(line).toContain(`--tpm-key-password-file ${pwFile} `);
    const fromSnippet = await runCli([...line.split(' '), '--no-cache'], { env: tpm.env, timeoutMs: 30_000 });
    expect(fromSnippet.code, fail(fromSnippet)).toBe(0);
    expect(sessionSerial(await callerArn(JSON.parse(fromSnippet.out)))).toBe(norm(serial));

    // A renewal that cannot reach the CA leaves key file and certificate as they were.
    const down = io(env);
    const before = [readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8')];
    const refused = await agentCommand(
      { 'ca-url': 'https://127.0.0.1:9', 'ca-fingerprint': ca.fingerprint, certificate: certFile, 'private-key': keyFile },
      down,
      { daemon: daemon(2) },
    );
    expect(refused, down.err).toBe(0);
    expect(down.entries().filter((e) => e.msg === 'renewal failed; keeping the current certificate').length).toBeGreaterThanOrEqual(1);
    expect([readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8')]).toEqual(before);

    const o = io(env);
    const code = await agentCommand(
      { 'ca-url': ca.url, 'ca-fingerprint': ca.fingerprint, certificate: certFile, 'private-key': keyFile, intermediates: join(dir, 'chain.pem') },
      o,
      { daemon: daemon(1) },
    );
    expect(code, o.err).toBe(0);
    const renewed = o.entries().find((e) => e.msg === 'renewed');
    expect(norm(String(renewed?.previous_serial))).toBe(norm(serial));
    expect(o.err).not.toMatch(/BEGIN|PRIVATE|pässword/);

    const newKeyPem = readFileSync(keyFile, 'utf8');
    expect(newKeyPem).not.toBe(oldKeyPem);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const newPublic = providerPublicKey(keyFile, PASSWORD); // same password as before
    expect(newPublic).not.toBe(oldPublic);
    expect(newPublic).toBe(certPublicKey(certFile));
    const newSerial = norm(new X509Certificate(readFileSync(certFile)).serialNumber);
    expect(newSerial).toBe(norm(String(renewed!.serial)));
    expect(sessionSerial(await callerArn(await credentials(dir, env)))).toBe(newSerial);
    expect(tpm.tools('tpm2_getcap', ['handles-transient']).trim()).toBe('');
  }, 180_000);

  it('a persistent key (handle:): credential-process, then the agent renews with a new key evicted into the same handle', async () => {
    const { dir, serial } = await enrollTpm('tpm-handle', 'ec-p256');
    const handle = 0x81000301;
    await persist(handle, join(dir, 'private-key.pem'));
    rmSync(join(dir, 'private-key.pem'));
    const certFile = join(dir, 'certificate.pem');
    const files = { certificate: certFile, privateKey: `handle:0x${handle.toString(16)}` };
    expect(handlePublicKey(handle)).toBe(certPublicKey(certFile));
    const c = await runCli(
      [
        'credential-process',
        '--certificate',
        certFile,
        '--private-key',
        files.privateKey,
        '--no-tpm-key-password',
        '--intermediates',
        join(dir, 'chain.pem'),
        '--trust-anchor-arn',
        arns.trustAnchorArn,
        '--profile-arn',
        arns.profileArn,
        '--role-arn',
        ROLE,
        '--endpoint',
        emu.url,
        '--no-cache',
      ],
      { env: tpm.env, timeoutMs: 30_000 },
    );
    expect(c.code, fail(c)).toBe(0);
    expect(sessionSerial(await callerArn(JSON.parse(c.out)))).toBe(norm(serial));

    const oldPublic = handlePublicKey(handle);
    const o = io(tpm.env);
    const code = await agentCommand({ 'ca-url': ca.url, 'ca-fingerprint': ca.fingerprint, certificate: certFile, 'private-key': files.privateKey }, o, {
      daemon: daemon(1),
      signerValues: { 'no-tpm-key-password': true },
    });
    expect(code, o.err).toBe(0);
    expect(o.entries().map((e) => e.msg)).toContain('renewed');
    // tpm2-tools reads the handle: the certificate's new key, not the old one.
    expect(handlePublicKey(handle)).not.toBe(oldPublic);
    expect(handlePublicKey(handle)).toBe(certPublicKey(certFile));
    expect(existsSync(join(dir, '.rapki-pending-tpm-key.pem'))).toBe(false);
    expect(tpm.tools('tpm2_getcap', ['handles-transient']).trim()).toBe('');
  }, 180_000);

  it('a persistent-key renewal cut off between the certificate and the TPM swap is finished at the next start', async () => {
    // The state such a crash leaves: the new certificate on disk, its key waiting in the pending
    // file, the old key still at the handle. Made here from two enrollments (two keys, two certificates).
    const first = await enrollTpm('tpm-swap', 'ec-p256');
    const second = await enrollTpm('tpm-swap-2', 'ec-p256');
    const handle = 0x81000302;
    await persist(handle, join(first.dir, 'private-key.pem'));
    const pending = join(second.dir, '.rapki-pending-tpm-key.pem');
    copyFileSync(join(second.dir, 'private-key.pem'), pending);
    rmSync(join(second.dir, 'private-key.pem'));
    const certFile = join(second.dir, 'certificate.pem');
    expect(handlePublicKey(handle)).not.toBe(certPublicKey(certFile));
    const current = await loadCurrent({ certificate: certFile, privateKey: `handle:0x${handle.toString(16)}` }, { noTpmKeyPassword: true, env: tpm.env });
    expect(current.kind).toBe('tpm');
    expect(handlePublicKey(handle)).toBe(certPublicKey(certFile));
    expect(existsSync(pending)).toBe(false);
  }, 120_000);

  it('the agent with a wrong TPM key password stops at start (tpm_wrong_key_password), before any renewal', async () => {
    const { dir } = await enrollTpm('tpm-wrong', 'ec-p384', PASSWORD);
    const o = io({ ...tpm.env, RAPKI_TPM_KEY_PASSWORD: 'not it' });
    const before = readFileSync(join(dir, 'certificate.pem'), 'utf8');
    const code = await agentCommand(
      { 'ca-url': ca.url, 'ca-fingerprint': ca.fingerprint, certificate: join(dir, 'certificate.pem'), 'private-key': join(dir, 'private-key.pem') },
      o,
      { daemon: daemon(1) },
    );
    expect(code).toBe(1);
    expect(o.err).toMatch(/^rapki: tpm_wrong_key_password: /m);
    expect(readFileSync(join(dir, 'certificate.pem'), 'utf8')).toBe(before);
  }, 120_000);
});
