/**
 * Control "file modes" (docs/security.md): secrets on disk are readable by their owner only, and
 * rapki sets the modes itself — every command here runs under `umask 000`, so nothing is inherited.
 * - CA directory (ca-server/src/ca-dir.ts, common/src/fs/atomic-write.ts, store/sqlite-store.ts):
 *   directory and tls/ 0700, every file 0600 (keys, database and its -wal/-shm, ca.json, tls key);
 *   the CA keys are encrypted at rest (keys/key-encryption.ts).
 * - `rapki enroll`/`renew` output (cli/src/ca-client/atomic-files.ts): directory 0700, key 0600,
 *   certificates 0644.
 * - credential cache (signer/src/providers/cache/): directory 0700, entries 0600; a cache directory
 *   others can write is not used.
 * - `rapki update` (signer/src/providers/credentials-file/write-profile.ts): credentials file 0600,
 *   even when it was 0644 before.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caStateOf } from '../support/ca-store.js';
import { decryptCaKey } from '../../ca-server/src/keys/key-encryption.js';
import { TEST_CA_PASSPHRASE } from '../support/ca-server.js';
import { genKey, issueCert, makeTempDir, removeTempDir } from '../support/openssl.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../support/loopback-verifier.js';
import { CA_LISTENING_RE, runRapkiCaptured, spawnRapki, type CapturedProcess } from './helpers/processes.js';

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8).padStart(3, '0');
const walk = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(d, e.name), ...walk(join(d, e.name))] : [join(d, e.name)]));
const UMASK = '000';

describe('file modes under umask 000', () => {
  let tmp: string;
  let caDir: string;
  let server: CapturedProcess | undefined;
  let caUrl: string;
  let fingerprint: string;
  let adminToken: string;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-sec-modes-');
    chmodSync(tmp, 0o755);
    caDir = join(tmp, 'ca');
    const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE };
    const init = await runRapkiCaptured(['ca', 'init', '--dir', caDir, '--intermediate', '--json'], env, { umask: UMASK });
    expect(init.code, init.stderr).toBe(0);
    adminToken = (JSON.parse(init.stdout) as { adminToken: string }).adminToken;
    server = spawnRapki(['ca', 'serve', '--dir', caDir, '--listen', '127.0.0.1:0'], env, { umask: UMASK });
    const m = await server.waitForStdout(CA_LISTENING_RE);
    caUrl = m[1]!;
    fingerprint = m[3]!;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (tmp) await removeTempDir(tmp);
  });

  it('the umask really is 000 for the children (control: a plain file they create is 0666)', async () => {
    // `crl get --out` writes a public file with 0644 explicitly; a file made by the shell shows the umask.
    const { execFileSync } = await import('node:child_process');
    const probe = join(tmp, 'umask-probe');
    execFileSync('sh', ['-c', `umask ${UMASK} && touch "$0"`, probe]);
    expect(mode(probe)).toBe('666');
  });

  it('CA directory: 0700 directories, 0600 files, database and WAL included, while serving', async () => {
    // Make the server write: a token creates rows (WAL) and the server TLS certificate exists.
    const tok = await runRapkiCaptured(['token', 'create', '--subject', 'modes-host'], {
      RAPKI_CA_URL: caUrl,
      RAPKI_CA_FINGERPRINT: fingerprint,
      RAPKI_ADMIN_TOKEN: adminToken,
    });
    expect(tok.code, tok.stderr).toBe(0);
    const entries = walk(caDir);
    const names = entries.map((p) => p.slice(caDir.length + 1));
    for (const n of ['root.pem', 'intermediate.pem', 'ca.db', 'ca.db-wal', 'ca.json', 'tls', 'tls/server.key', 'tls/server.pem']) {
      expect(names).toContain(n);
    }
    // The CA keys are in the store, not in files of the directory.
    expect(names.filter((n) => /key\.enc$/.test(n))).toEqual([]);
    expect(mode(caDir)).toBe('700');
    for (const p of entries)
      expect(`${p.slice(caDir.length + 1)} ${mode(p)}`).toBe(`${p.slice(caDir.length + 1)} ${statSync(p).isDirectory() ? '700' : '600'}`);
  });

  it('CA keys are encrypted at rest in the store: no plaintext key block, and a wrong passphrase does not open them', async () => {
    const { rootKey, issuingKey } = await caStateOf(caDir);
    expect(issuingKey?.value).not.toBe(rootKey?.value);
    for (const k of [rootKey, issuingKey]) {
      expect(k?.kind).toBe('encrypted');
      const text = k!.value;
      expect(text).toMatch(/^-----BEGIN RAPKI ENCRYPTED PRIVATE KEY-----\nFormat: rapki-ca-key-v1\nKDF: scrypt N=32768 r=8 p=1\n/);
      expect(text).not.toMatch(/BEGIN (EC |RSA )?PRIVATE KEY/);
      expect(decryptCaKey(text, TEST_CA_PASSPHRASE).asymmetricKeyType).toBe('ec');
      expect(() => decryptCaKey(text, `${TEST_CA_PASSPHRASE}x`)).toThrow(expect.objectContaining({ code: 'ca_key_wrong_passphrase' }));
    }
  });

  it('enroll: output directory 0700, private key 0600, certificates 0644; renew keeps it so', async () => {
    const tok = await runRapkiCaptured(['token', 'create', '--subject', 'modes-host'], {
      RAPKI_CA_URL: caUrl,
      RAPKI_CA_FINGERPRINT: fingerprint,
      RAPKI_ADMIN_TOKEN: adminToken,
    });
    expect(tok.code, tok.stderr).toBe(0);
    const out = join(tmp, 'host', 'rapki');
    const enr = await runRapkiCaptured(
      ['enroll', '--ca-url', caUrl, '--ca-fingerprint', fingerprint, '--out', out],
      { RAPKI_ENROLL_TOKEN: tok.stdout.trim() },
      { umask: UMASK },
    );
    expect(enr.code, enr.stderr).toBe(0);
    const expected = { 'private-key.pem': '600', 'certificate.pem': '644', 'chain.pem': '644', 'ca.pem': '644' };
    expect(mode(out)).toBe('700');
    expect(Object.fromEntries(readdirSync(out).map((f) => [f, mode(join(out, f))]))).toEqual(expected);
    const before = readFileSync(join(out, 'private-key.pem'), 'utf8');
    const ren = await runRapkiCaptured(
      ['renew', '--ca-url', caUrl, '--certificate', join(out, 'certificate.pem'), '--private-key', join(out, 'private-key.pem')],
      {},
      { umask: UMASK },
    );
    expect(ren.code, ren.stderr).toBe(0);
    expect(readFileSync(join(out, 'private-key.pem'), 'utf8')).not.toBe(before);
    expect(Object.fromEntries(readdirSync(out).map((f) => [f, mode(join(out, f))]))).toEqual(expected);
  });
});

describe('credential cache and update file modes under umask 000', () => {
  let dir: string;
  let verifier: LoopbackVerifier;
  let cert: string;
  let key: string;
  const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a';
  const PROFILE = 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b';
  const ROLE = 'arn:aws:iam::123456789012:role/Deployer';
  const creds = () => [
    '--certificate',
    cert,
    '--private-key',
    key,
    '--trust-anchor-arn',
    TA,
    '--profile-arn',
    PROFILE,
    '--role-arn',
    ROLE,
    '--endpoint',
    verifier.url,
  ];

  beforeAll(async () => {
    dir = await makeTempDir('rapki-sec-modes-signer-');
    const rootKey = await genKey(dir, 'root.key', 'ec:P-256');
    const root = { cert: await issueCert(dir, 'root', rootKey, { profile: 'ca', days: 30 }), key: rootKey };
    key = await genKey(dir, 'leaf.key', 'ec:P-256');
    cert = await issueCert(dir, 'leaf', key, { issuer: root, serialHex: '0b01' });
    verifier = await startLoopbackVerifier({ trustedRootsPem: readFileSync(root.cert, 'utf8') });
  }, 60_000);

  afterAll(async () => {
    await verifier?.close();
    if (dir) await removeTempDir(dir);
  });

  it('credential-process: cache directory 0700 and entry 0600', async () => {
    const runtime = join(dir, 'run');
    const r = await runRapkiCaptured(['credential-process', ...creds()], { AWS_CA_BUNDLE: verifier.caFile, XDG_RUNTIME_DIR: runtime }, { umask: UMASK });
    expect(r.code, r.stderr).toBe(0);
    const cacheDir = join(runtime, 'rapki');
    expect(mode(cacheDir)).toBe('700');
    const entries = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
    expect(entries).toHaveLength(1);
    expect(mode(join(cacheDir, entries[0]!))).toBe('600');
    expect(readFileSync(join(cacheDir, entries[0]!), 'utf8')).toContain((JSON.parse(r.stdout) as { SecretAccessKey: string }).SecretAccessKey);
  });

  it('credential-process: a cache directory others can write is bypassed (nothing read or written there)', async () => {
    const runtime = join(dir, 'run-shared');
    mkdirSync(join(runtime, 'rapki'), { recursive: true });
    chmodSync(join(runtime, 'rapki'), 0o777);
    const before = verifier.requests.length;
    const r = await runRapkiCaptured(['credential-process', ...creds()], { AWS_CA_BUNDLE: verifier.caFile, XDG_RUNTIME_DIR: runtime });
    // Served straight from CreateSession (the cache is bypassed), never written into the shared directory.
    expect(r.code, r.stderr).toBe(0);
    expect(verifier.requests.length).toBe(before + 1);
    expect(readdirSync(join(runtime, 'rapki'))).toEqual([]);
  });

  it('update --once: the credentials file ends 0600 even if it was 0644, other sections kept', async () => {
    const awsDir = join(dir, 'aws');
    mkdirSync(awsDir, { mode: 0o755 });
    const file = join(awsDir, 'credentials');
    writeFileSync(file, '[other]\naws_access_key_id = AKIDOTHER\n');
    chmodSync(file, 0o644);
    const r = await runRapkiCaptured(['update', '--once', ...creds()], { AWS_CA_BUNDLE: verifier.caFile, AWS_SHARED_CREDENTIALS_FILE: file }, { umask: UMASK });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(file)).toBe('600');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[other]');
    expect(text).toMatch(/\[default\][\s\S]*aws_session_token/);
  });

  it('update --once: a missing credentials directory is created 0700', async () => {
    const file = join(dir, 'fresh-home', '.aws', 'credentials');
    const r = await runRapkiCaptured(['update', '--once', ...creds()], { AWS_CA_BUNDLE: verifier.caFile, AWS_SHARED_CREDENTIALS_FILE: file }, { umask: UMASK });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(join(dir, 'fresh-home', '.aws'))).toBe('700');
    expect(mode(file)).toBe('600');
  });
});
