/**
 * `rapki update` end to end: the built CLI writes the shared credentials file named by
 * AWS_SHARED_CREDENTIALS_FILE, against the loopback CreateSession verifier; the JS SDK's own INI
 * provider reads the result back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { genKey, issueCert } from '../support/openssl.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../support/loopback-verifier.js';
import { RAPKI_BIN, REPO_ROOT, runCli } from '../support/cli.js';
import { waitForEvent } from '../support/wait.js';
import { signerArgs } from '../support/signer-args.js';

const ROLE = 'arn:aws:iam::123456789012:role/Deployer';

/** botocore, when installed (not a dependency: that check is skipped without it). */
const HAS_BOTOCORE = spawnSync('python3', ['-c', 'import botocore'], { stdio: 'ignore' }).status === 0;

const HAND_WRITTEN =
  '# my credentials, do not lose this comment\n' +
  '[work]\naws_access_key_id = AKIAWORKWORKWORKWORK\naws_secret_access_key = workSecret\n\n' +
  '; old rapki profile below\n[rapki]\naws_access_key_id = OLD\naws_secret_access_key = OLD\naws_session_token = OLD\n\n' +
  '[personal]\nregion = eu-west-1\n';

describe('rapki update', () => {
  let dir: string;
  let verifier: LoopbackVerifier;
  let key: string;
  let cert: string;
  let root: { cert: string; key: string };
  const flags = (...extra: string[]) => ['update', ...signerArgs({ certificate: cert, privateKey: key, roleArn: ROLE, endpoint: verifier.url }, ...extra)];
  const env = (file: string) => ({ AWS_CA_BUNDLE: verifier.caFile, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: file });
  const read = (file: string, profile: string) => fromIni({ profile, filepath: file, configFilepath: join(dir, 'no-config') })();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-update-cli-'));
    const rootKey = await genKey(dir, 'root.key', 'ec:P-256');
    root = { cert: await issueCert(dir, 'root', rootKey, { profile: 'ca', days: 30 }), key: rootKey };
    key = await genKey(dir, 'leaf.key', 'ec:P-256');
    cert = await issueCert(dir, 'leaf', key, { issuer: root, serialHex: '0c01' });
    verifier = await startLoopbackVerifier({ trustedRootsPem: readFileSync(root.cert, 'utf8') });
  });
  afterAll(async () => {
    await verifier.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--once writes the profile, keeps every other profile and comment, and leaves the file 0600', async () => {
    const file = join(dir, 'credentials-once');
    writeFileSync(file, HAND_WRITTEN, { mode: 0o644 });
    const r = await runCli(flags('--profile', 'rapki', '--once'), { env: env(file) });
    expect(r.stderr).not.toMatch(/rapki: [a-z_]+:/);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# my credentials, do not lose this comment\n[work]\naws_access_key_id = AKIAWORKWORKWORKWORK\n');
    expect(text).toContain('; old rapki profile below\n[rapki]\naws_access_key_id = ASIALOOPBACK');
    expect(text).toContain('\n[personal]\nregion = eu-west-1\n');
    expect(text).not.toContain('= OLD');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const c = await read(file, 'rapki');
    expect(c.accessKeyId).toMatch(/^ASIALOOPBACK/);
    expect(c.sessionToken).toMatch(/^loopbackToken/);
    expect((await read(file, 'work')).accessKeyId).toBe('AKIAWORKWORKWORKWORK');
  });

  it.skipIf(!HAS_BOTOCORE)('writes a file botocore reads (shared-credentials-file provider)', async () => {
    const file = join(dir, 'credentials-botocore');
    writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
    expect((await runCli(flags('--profile', 'rapki', '--once'), { env: env(file) })).code).toBe(0);
    const out = execFileSync(
      'python3',
      ['-c', 'import json, botocore.session\nc = botocore.session.Session().get_credentials()\nprint(json.dumps([c.method, c.access_key, c.token]))'],
      { env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_CONFIG_FILE: join(dir, 'no-config'), AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'rapki' } },
    );
    const [method, accessKey, token] = JSON.parse(out.toString()) as string[];
    expect(method).toBe('shared-credentials-file');
    expect(accessKey).toMatch(/^ASIALOOPBACK/);
    expect(token).toMatch(/^loopbackToken/);
  });

  it('defaults to [default] and creates the directory 0700', async () => {
    const file = join(dir, 'fresh', '.aws', 'credentials');
    const r = await runCli(flags('--once'), { env: env(file) });
    expect(r.code).toBe(0);
    expect(statSync(join(dir, 'fresh', '.aws')).mode & 0o777).toBe(0o700);
    expect((await read(file, 'default')).accessKeyId).toMatch(/^ASIALOOPBACK/);
  });

  it('--once: exits 1 with the coded error printed once (no "retrying") and leaves the file untouched when CreateSession fails', async () => {
    const file = join(dir, 'credentials-fail');
    writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
    verifier.failNext(1, 403, 'AccessDeniedException', 'Untrusted Signing Certificate');
    const r = await runCli(flags('--profile', 'rapki', '--once'), { env: env(file) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: certificate_untrusted: [^\n]*\n$/);
    expect(r.stderr).not.toContain('retrying');
    expect(readFileSync(file, 'utf8')).toBe(HAND_WRITTEN);
  });

  /** Runs `rapki update` (no --once) as a child; `waitFor` resolves on a stderr pattern. */
  function startUpdate(file: string) {
    const child = spawn(process.execPath, [RAPKI_BIN, ...flags('--profile', 'rapki')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env(file) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const waiters: (() => void)[] = [];
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      for (const w of waiters.splice(0)) w();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const waitFor = (re: RegExp, ms = 30_000): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${stderr}`)), ms);
        const check = (): void => {
          if (re.test(stderr)) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    return { child, exited, waitFor, stderr: () => stderr };
  }

  it('keeps running when CreateSession fails at boot: retries with backoff, one line per attempt, writes once the endpoint answers', async () => {
    const file = join(dir, 'credentials-boot');
    verifier.reset();
    verifier.failNext(10_000, 503, 'ServiceUnavailableException', 'not up yet');
    const u = startUpdate(file);
    try {
      await u.waitFor(/retrying in[^\n]*\n[\s\S]*retrying in/);
      expect(u.stderr()).toMatch(/^rapki update: refresh failed: service_error: [^\n]*\(nothing written yet; retrying in \d+(\.\d)? s\)$/m);
      verifier.reset(); // the endpoint comes up
      await u.waitFor(/wrote profile \[rapki\]/);
      expect((await read(file, 'rapki')).accessKeyId).toMatch(/^ASIALOOPBACK/);
      expect(u.stderr()).not.toMatch(/^rapki: service_error/m); // each failure once, as a log line
    } finally {
      u.child.kill('SIGTERM');
    }
    expect(await u.exited).toEqual({ code: null, signal: 'SIGTERM' }); // as the official helper ends
  });

  it('writes credentials of certificate and key files renewed on disk at once, without a restart', async () => {
    const file = join(dir, 'credentials-renewed');
    const u = startUpdate(file);
    try {
      await u.waitFor(/wrote profile \[rapki\]/);
      const secret = () => /\[rapki\][^[]*aws_secret_access_key = (\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
      expect(secret()).toContain(`/${BigInt('0x0c01')}`);
      const newKey = await genKey(dir, 'renewed.key', 'ec:P-256');
      const newCert = await issueCert(dir, 'renewed', newKey, { issuer: root, serialHex: '0c77' });
      renameSync(newKey, key);
      renameSync(newCert, cert);
      await u.waitFor(/the certificate or key files changed; getting credentials with them\n[\s\S]*wrote profile \[rapki\]/);
      expect(secret()).toContain(`/${BigInt('0x0c77')}`);
    } finally {
      u.child.kill('SIGTERM');
    }
    await u.exited;
  });

  it('keeps running and rewrites the profile 5 minutes before expiry', async () => {
    const file = join(dir, 'credentials-loop');
    writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
    // First answer expires in 5 min + 3 s (second precision): the refresh is due 2-3 s later.
    const exp = new Date(Date.now() + 5 * 60_000 + 3_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    verifier.script({
      kind: 'raw',
      status: 201,
      body: JSON.stringify({
        credentialSet: [
          { credentials: { accessKeyId: 'ASIAFIRSTFIRSTFIRST1', secretAccessKey: 'first', sessionToken: 'first', expiration: exp }, roleArn: ROLE },
        ],
      }),
    });
    const child = spawn(process.execPath, [RAPKI_BIN, ...flags('--profile', 'rapki')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env(file) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // The file after each "wrote profile" line: the first answer, then the refresh 2-3 s later.
      const seen: string[] = [];
      const writes = () => stderr.match(/wrote profile \[rapki\]/g)?.length ?? 0;
      for (let n = 1; n <= 2; n++) {
        await waitForEvent(`write ${n}`, () => (writes() >= n ? true : undefined), {
          on: [[child.stderr, 'data']],
          process: child,
          timeoutMs: 15_000,
          describe: () => stderr,
        });
        seen.push(/\[rapki\]\naws_access_key_id = (\S+)/.exec(readFileSync(file, 'utf8'))?.[1] ?? 'none');
      }
      expect(seen[0], stderr).toBe('ASIAFIRSTFIRSTFIRST1');
      expect(seen[seen.length - 1], stderr).toMatch(/^ASIALOOPBACK/);
      expect(stderr).toMatch(/will be refreshed at /);
      expect(readFileSync(file, 'utf8')).toContain('[work]\naws_access_key_id = AKIAWORKWORKWORKWORK\n');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(null); // killed by SIGTERM, as the official helper
  });
});
