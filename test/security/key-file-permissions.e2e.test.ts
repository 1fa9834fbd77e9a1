/**
 * C25 (formerly gap 9 of docs/security.md): a private key file that group or others can read is
 * used, as aws_signing_helper uses it, but the CLI prints one warning line on stderr; stdout keeps
 * only the credential_process JSON. Real child processes against a loopback CreateSession verifier.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../support/loopback-verifier.js';
import { genKey, issueCert, makeTempDir, removeTempDir } from '../support/openssl.js';

const ARNS = [
  '--trust-anchor-arn',
  'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a',
  '--profile-arn',
  'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b',
  '--role-arn',
  'arn:aws:iam::123456789012:role/Deployer',
];
const JSON_ONLY = /^\{"Version":1,"AccessKeyId":"[^"]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[^"]+"\}$/;

describe('C25: the signer warns about a private key file others can read', () => {
  let dir: string;
  let verifier: LoopbackVerifier;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    dir = await makeTempDir('rapki-sec-keymode-');
    const rootKey = await genKey(dir, 'root.key', 'ec:P-256');
    const rootCert = await issueCert(dir, 'root', rootKey, { profile: 'ca', days: 30 });
    verifier = await startLoopbackVerifier({ trustedRootsPem: readFileSync(rootCert, 'utf8') });
    key = await genKey(dir, 'leaf.key', 'ec:P-256');
    cert = await issueCert(dir, 'leaf', key, { issuer: { cert: rootCert, key: rootKey }, serialHex: '0c25' });
  }, 60_000);

  afterAll(async () => {
    await verifier?.close();
    if (dir) await removeTempDir(dir);
  });

  const warning = (path: string, mode: string): string => `rapki: warning: private key ${path} is readable by group/others (mode ${mode}); chmod 600 ${path}\n`;

  const credentialProcess = (keyPath: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(['credential-process', '--certificate', cert, '--private-key', keyPath, ...ARNS, '--endpoint', verifier.url, ...extra], {
      env: { AWS_CA_BUNDLE: verifier.caFile, ...env },
    });

  it('0644 key: one warning line on stderr, stdout is still only the JSON (no cache, miss, hit)', async () => {
    chmodSync(key, 0o644);
    const r = await credentialProcess(key, ['--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toMatch(JSON_ONLY);
    expect(r.stderr).toBe(warning(key, '0644'));

    // With the cache: the miss hashes and loads the key (one line, not two); the hit never loads
    // the key but still reports it from the fstat of the hashing read.
    const runtime = mkdtempSync(join(dir, 'xdg-'));
    const miss = await credentialProcess(key, [], { XDG_RUNTIME_DIR: runtime });
    expect(miss.code, miss.stderr).toBe(0);
    expect(miss.out).toMatch(JSON_ONLY);
    expect(miss.stderr).toBe(warning(key, '0644'));
    const hit = await credentialProcess(key, ['--debug'], { XDG_RUNTIME_DIR: runtime });
    expect(hit.code, hit.stderr).toBe(0);
    expect(hit.out).toBe(miss.out);
    expect(hit.stderr).toContain('credential cache: hit');
    expect(hit.stderr.split('\n').filter((l) => l.includes('rapki: warning:'))).toEqual([warning(key, '0644').trimEnd()]);
  });

  it('0640 (group-readable) and a combined PEM without --private-key are reported too; sign-string as well', async () => {
    const groupKey = join(dir, 'group.key');
    copyFileSync(key, groupKey);
    chmodSync(groupKey, 0o640);
    const r = await runCli(['sign-string', '--certificate', cert, '--private-key', groupKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toMatch(/^"[0-9a-f]+"$/);
    expect(r.stderr).toBe(warning(groupKey, '0640'));

    const combo = join(dir, 'combo.pem');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(combo, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'), { mode: 0o604 });
    chmodSync(combo, 0o604);
    const c = await runCli(['credential-process', '--no-cache', '--certificate', combo, ...ARNS, '--endpoint', verifier.url], {
      env: { AWS_CA_BUNDLE: verifier.caFile },
    });
    expect(c.code, c.stderr).toBe(0);
    expect(c.out).toMatch(JSON_ONLY);
    expect(c.stderr).toBe(warning(combo, '0604'));
  });

  it('0600 key: no warning at all (control), with and without the cache', async () => {
    chmodSync(key, 0o600);
    const r = await credentialProcess(key, ['--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toMatch(JSON_ONLY);
    expect(r.stderr).toBe('');
    const c = await credentialProcess(key);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toBe('');
    const s = await runCli(['sign-string', '--certificate', cert, '--private-key', key]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toBe('');
  });
});

describe('C25: `ca init` and `ca serve` warn about a --passphrase-file others can read', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('rapki-sec-passmode-');
  });
  afterAll(async () => {
    if (dir) await removeTempDir(dir);
  });

  const line = (path: string, mode: string): string => `CA key passphrase file ${path} is readable by group/others (mode ${mode}); chmod 600 ${path}`;

  it('0644 / 0640: the same warning as for key files; 0600: none', async () => {
    const pass = join(dir, 'pass');
    writeFileSync(pass, 'a passphrase of some length\n');
    chmodSync(pass, 0o644);
    const init = await runCli(['ca', 'init', '--dir', join(dir, 'ca'), '--passphrase-file', pass, '--json'], { timeoutMs: 60_000 });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toBe(`rapki: warning: ${line(pass, '0644')}\n`);
    expect(Object.keys(JSON.parse(init.out) as object)).toContain('adminToken');

    // `ca serve` logs it (pino JSON on stderr) and starts all the same.
    chmodSync(pass, 0o640);
    const loose = await startCaServerProcess({ dir: join(dir, 'ca'), extraArgs: ['--passphrase-file', pass], env: { RAPKI_CA_PASSPHRASE: '' } });
    try {
      const warn = loose
        .stderr()
        .split('\n')
        .filter((l) => l.includes('passphrase file'));
      expect(warn).toHaveLength(1);
      expect(JSON.parse(warn[0]!)).toMatchObject({ level: 40, path: pass, msg: line(pass, '0640') });
    } finally {
      await loose.stop();
    }
    chmodSync(pass, 0o600);
    const tight = await startCaServerProcess({ dir: join(dir, 'ca'), extraArgs: ['--passphrase-file', pass], env: { RAPKI_CA_PASSPHRASE: '' } });
    try {
      expect(tight.stderr()).not.toContain('readable by group/others');
    } finally {
      await tight.stop();
    }
    const quiet = await runCli(['ca', 'init', '--dir', join(dir, 'ca2'), '--passphrase-file', pass, '--json'], { timeoutMs: 60_000 });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  }, 120_000);
});
