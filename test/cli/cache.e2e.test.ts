/**
 * The credential cache of `rapki credential-process`, end to end: the built CLI as child
 * processes against the loopback CreateSession verifier, counting requests at the verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genKey, issueCert } from '../support/openssl.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../support/loopback-verifier.js';
import { RAPKI_BIN, runCli } from '../support/cli.js';
import { signerArgs } from '../support/signer-args.js';

/** botocore, when installed (not a dependency: that check is skipped without it). */
const HAS_BOTOCORE = spawnSync('python3', ['-c', 'import botocore'], { stdio: 'ignore' }).status === 0;

const ROLE = 'arn:aws:iam::123456789012:role/Deployer';

describe('rapki credential-process cache', () => {
  let dir: string;
  let runtime: string;
  let verifier: LoopbackVerifier;
  let root: { cert: string; key: string };
  let key: string;
  let cert: string;

  const args = (...extra: string[]) => [
    'credential-process',
    ...signerArgs({ certificate: cert, privateKey: key, roleArn: ROLE, endpoint: verifier.url }, ...extra),
  ];
  const env = () => ({ AWS_CA_BUNDLE: verifier.caFile, XDG_RUNTIME_DIR: runtime });
  const ok = async (extra: string[] = []) => {
    const r = await runCli(args(...extra), { env: env() });
    expect(r.stderr).not.toMatch(/rapki: [a-z_]+:/);
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as { AccessKeyId: string; SecretAccessKey: string; Expiration: string };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-cache-cli-'));
    runtime = join(dir, 'run');
    const rootKey = await genKey(dir, 'root.key', 'ec:P-256');
    root = { cert: await issueCert(dir, 'root', rootKey, { profile: 'ca', days: 30 }), key: rootKey };
    key = await genKey(dir, 'leaf.key', 'ec:P-256');
    cert = await issueCert(dir, 'leaf', key, { issuer: root, serialHex: '0a01' });
    verifier = await startLoopbackVerifier({ trustedRootsPem: readFileSync(root.cert, 'utf8') });
  });
  afterAll(async () => {
    await verifier.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes ONE CreateSession for concurrent invocations; the others read its result', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => ok()));
    expect(verifier.requests).toHaveLength(1);
    expect(verifier.requests[0]!.verdict).toBe('ok');
    expect(new Set(results.map((r) => r.AccessKeyId)).size).toBe(1);
    // And a later call is a hit too.
    await ok();
    expect(verifier.requests).toHaveLength(1);
  });

  it('a hit loads neither the session code (https, tls) nor node:crypto', async () => {
    const hook = join(dir, 'record-builtins.cjs');
    const out = join(dir, 'builtins.txt');
    writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));`);
    const n = verifier.requests.length;
    const r = await runCli(args(), { env: { ...env(), NODE_OPTIONS: `--require ${hook}` } });
    expect(r.code).toBe(0);
    expect(verifier.requests).toHaveLength(n); // a hit
    const loaded = readFileSync(out, 'utf8').split('\n');
    for (const m of ['NativeModule https', 'NativeModule tls', 'NativeModule crypto', 'NativeModule net']) expect(loaded).not.toContain(m);
    // The same probe sees them on a miss, so the check can fail.
    const miss = await runCli(args('--no-cache'), { env: { ...env(), NODE_OPTIONS: `--require ${hook}` } });
    expect(miss.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')).toContain('NativeModule tls');
  });

  it.skipIf(!HAS_BOTOCORE)('serves concurrent botocore processes (credential_process in ~/.aws/config) with ONE CreateSession', async () => {
    const config = join(dir, 'aws-config');
    const cmd = [process.execPath, RAPKI_BIN, ...args('--role-session-name', 'botocore')].join(' ');
    writeFileSync(config, `[profile rapki]\ncredential_process = ${cmd}\n`);
    const script = 'import json, botocore.session\nc = botocore.session.Session().get_credentials()\nprint(json.dumps([c.method, c.access_key]))';
    const n = verifier.requests.length;
    const outs = await Promise.all(
      Array.from({ length: 4 }, () =>
        promisify(execFile)('python3', ['-c', script], {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: dir,
            AWS_CONFIG_FILE: config,
            AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
            AWS_PROFILE: 'rapki',
            ...env(),
          },
          timeout: 30_000,
        }),
      ),
    );
    const got = outs.map((o) => JSON.parse(o.stdout) as [string, string]);
    expect(got.map((g) => g[0])).toEqual(['custom-process', 'custom-process', 'custom-process', 'custom-process']);
    expect(new Set(got.map((g) => g[1])).size).toBe(1);
    expect(verifier.requests).toHaveLength(n + 1);
  });

  it('keeps the cache private: 0700 directory, 0600 entries, no key material', async () => {
    const cacheDir = join(runtime, 'rapki');
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(cacheDir);
    expect(files.length).toBeGreaterThan(0);
    const keyBody = readFileSync(key, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('');
    for (const f of files) {
      expect(f).toMatch(/^[0-9a-f]{64}\.json$/);
      expect(statSync(join(cacheDir, f)).mode & 0o777).toBe(0o600);
      const text = readFileSync(join(cacheDir, f), 'utf8');
      expect(text).not.toContain(keyBody.slice(0, 40));
      expect(text).not.toContain('PRIVATE KEY');
    }
  });

  it('drops the entry when the certificate is renewed', async () => {
    const before = await ok();
    const n = verifier.requests.length;
    cert = await issueCert(dir, 'leaf', key, { issuer: root, serialHex: '0a02' }); // same path, new certificate
    const after = await ok();
    expect(verifier.requests).toHaveLength(n + 1);
    expect(after.AccessKeyId).not.toBe(before.AccessKeyId);
    expect(after.SecretAccessKey).toContain(`/${BigInt('0x0a02').toString()}`); // minted for the new serial
  });

  it('--no-cache always calls CreateSession', async () => {
    const n = verifier.requests.length;
    await ok(['--no-cache']);
    await ok(['--no-cache']);
    expect(verifier.requests).toHaveLength(n + 2);
  });

  it('refuses a cache directory writable by others, warns, and still answers', async () => {
    chmodSync(join(runtime, 'rapki'), 0o777);
    try {
      const n = verifier.requests.length;
      const r = await runCli(args(), { env: env() });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).Version).toBe(1);
      expect(r.stderr).toMatch(/credential cache not used: cache_dir_unsafe/);
      expect(verifier.requests).toHaveLength(n + 1);
    } finally {
      chmodSync(join(runtime, 'rapki'), 0o700);
    }
  });

  it('a cached entry never answers a call that would fail: a wrong --pkcs8-password misses (and fails), the right one hits', async () => {
    const enc = join(dir, 'enc.key');
    await promisify(execFile)('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', key, '-out', enc, '-passout', 'pass:right-pw']);
    chmodSync(enc, 0o600);
    const withKey = (pw: string) => args('--pkcs8-password-file', pw).map((a) => (a === key ? enc : a));
    writeFileSync(join(dir, 'right'), 'right-pw\n');
    writeFileSync(join(dir, 'wrong'), 'wrong-pw\n');
    const n = verifier.requests.length;
    const first = await runCli(withKey(join(dir, 'right')), { env: env() });
    expect([first.code, first.stderr]).toEqual([0, '']);
    const wrong = await runCli(withKey(join(dir, 'wrong')), { env: env() });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^rapki: wrong_key_password: /);
    expect(wrong.out).toBe('');
    const again = await runCli(withKey(join(dir, 'right')), { env: env() });
    expect(again.code).toBe(0);
    expect(again.out).toBe(first.out); // a hit
    expect(verifier.requests).toHaveLength(n + 1);
    // The password shows nowhere in the cache, only under a keyed hash.
    for (const f of readdirSync(join(runtime, 'rapki'))) expect(readFileSync(join(runtime, 'rapki', f), 'utf8')).not.toContain('right-pw');
    expect(statSync(join(runtime, 'rapki', 'key')).mode & 0o777).toBe(0o600);
  });

  it('a cache directory that cannot be made (HOME=/proc/1, or under a file) is one warning and an uncached call, at once', async () => {
    for (const where of [{ HOME: '/proc/1', XDG_RUNTIME_DIR: '' }, { XDG_RUNTIME_DIR: join(dir, 'run', 'rapki', 'key') }]) {
      const n = verifier.requests.length;
      const started = Date.now();
      const r = await runCli(args(), { env: { AWS_CA_BUNDLE: verifier.caFile, ...where }, timeoutMs: 15_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.out).Version).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^rapki: warning: credential cache not used: cache_io_error: cannot create the cache directory /);
      expect(verifier.requests).toHaveLength(n + 1);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('does not cache failures', async () => {
    verifier.failNext(1, 403, 'AccessDeniedException', 'Untrusted Signing Certificate');
    const other = [...args(), '--role-session-name', 'fails-once'];
    const r1 = await runCli(other, { env: env() });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('rapki: certificate_untrusted:');
    const r2 = await runCli(other, { env: env() });
    expect(r2.code).toBe(0);
  });
});
