/**
 * `rapki ca backup` / `rapki ca restore` as a user runs them: the built CLI in a child process.
 * Progress on stderr, summary or `--json` on stdout, exit 1 with `(code)` on refusal, the passphrase
 * left out unless `--include-passphrase`, the manifest signed by the root key and checked against
 * `--expect-fingerprint` (or confirmed with `--yes`), and the restored directory accepted by
 * `rapki audit verify --dir`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { flipByte } from '../../support/bytes.js';

const PASS = 'test-only-ca-passphrase';
const env = { RAPKI_CA_PASSPHRASE: PASS };

describe('rapki ca backup / restore (CLI)', { timeout: 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'rapki-backup-cli-'));
  const ca = join(work, 'ca');
  let fp = '';
  const fingerprint = (): string => fp;

  beforeAll(async () => {
    const r = await runCli(['ca', 'init', '--dir', ca, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    fp = (JSON.parse(r.out) as { fingerprint: string }).fingerprint;
    writeFileSync(join(ca, 'passphrase'), `${PASS}\n`, { mode: 0o600 });
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('backs up with progress on stderr and a summary on stdout, without the passphrase', async () => {
    const out = join(work, 'b-text');
    const r = await runCli(['ca', 'backup', '--dir', ca, '--out', out], { env: {} });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rapki: exporting the CA state from sqlite:\S+ca\.db \(one consistent snapshot\)$/m);
    expect(r.stderr).toMatch(/^rapki: NOT copied: passphrase/m);
    expect(r.out).toContain(`backup written to ${out}`);
    expect(r.out).toMatch(/^passphrase: not included/m);
    expect(r.out).toMatch(/^audit head: [0-9a-f]{64}$/m);
    expect(r.out).toContain(`root fingerprint: ${fingerprint()}`);
    expect(r.stderr).toMatch(/^rapki: backup\.json signed with the root key \(backup\.sig, ecdsa-with-SHA256\)$/m);
    expect(statSync(join(out, 'backup.sig')).mode & 0o777).toBe(0o600);
    // openssl, the independent checker: the signature over backup.json's bytes is the root key's.
    const sig = JSON.parse(readFileSync(join(out, 'backup.sig'), 'utf8')) as { signature: string };
    writeFileSync(join(work, 'sig.der'), Buffer.from(sig.signature, 'base64'));
    writeFileSync(join(work, 'root.pub'), execFileSync('openssl', ['x509', '-in', join(ca, 'root.pem'), '-noout', '-pubkey']));
    const v = spawnSync('openssl', ['dgst', '-sha256', '-verify', join(work, 'root.pub'), '-signature', join(work, 'sig.der'), join(out, 'backup.json')]);
    expect(v.stdout.toString().trim(), v.stderr.toString()).toBe('Verified OK');
    expect(existsSync(join(out, 'passphrase'))).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'backup.json')).mode & 0o777).toBe(0o600);
  });

  it('round-trips with --json, and the restored directory passes rapki audit verify --dir', async () => {
    const out = join(work, 'b-json');
    const b = await runCli(['ca', 'backup', '--dir', ca, '--out', out, '--json', '--include-passphrase'], { env: {} });
    expect(b.code, b.stderr).toBe(0);
    const bj = JSON.parse(b.out) as {
      out: string;
      files: number;
      passphraseIncluded: boolean;
      database: { auditRecords: number; auditHead: string; auditVerified: boolean };
    };
    expect(bj.out).toBe(out);
    expect(bj.passphraseIncluded).toBe(true);
    expect(bj.database.auditVerified).toBe(true);

    const dir = join(work, 'restored-json');
    const r = await runCli(
      [
        'ca',
        'restore',
        '--from',
        out,
        '--dir',
        dir,
        '--json',
        '--expect-fingerprint',
        fingerprint()
          .toUpperCase()
          .replace(/(..)(?!$)/g, '$1:'),
      ],
      { env: {} },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rapki: \d+ files match their SHA-256$/m);
    expect(r.stderr).toContain(`rapki: backup.json is signed by the root ${fingerprint()} (the expected one)`);
    const rj = JSON.parse(r.out) as { dir: string; files: number; passphraseRestored: boolean; database: { auditHead: string; auditRecords: number } };
    expect(rj).toMatchObject({ dir, files: bj.files, passphraseRestored: true });
    expect(rj.database.auditHead).toBe(bj.database.auditHead);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'passphrase')).mode & 0o777).toBe(0o600);

    const v = await runCli(['audit', 'verify', '--dir', dir, '--json'], { env });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true, count: bj.database.auditRecords, lastHash: bj.database.auditHead });
  });

  it('refuses a tampered backup with a coded error and exit 1, leaving no CA directory', async () => {
    const out = join(work, 'b-tamper');
    expect((await runCli(['ca', 'backup', '--dir', ca, '--out', out], { env: {} })).code).toBe(0);
    const p = join(out, 'store', 'ca_keys.ndjson');
    const buf = readFileSync(p);
    flipByte(buf, -5);
    writeFileSync(p, buf);
    const dir = join(work, 'restored-tampered');
    const r = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--yes'], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: backup_file_corrupt: .*store\/ca_keys\.ndjson does not match the SHA-256 in backup\.json\./m);
    expect(existsSync(dir)).toBe(false);
    const j = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--json', '--yes'], { env: {} });
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as { error: { code: string } }).error.code).toBe('backup_file_corrupt');
  });

  it('restore names the root fingerprint and waits for it (or --yes); another root or an edited manifest is refused', async () => {
    const out = join(work, 'b-fp');
    expect((await runCli(['ca', 'backup', '--dir', ca, '--out', out], { env: {} })).code).toBe(0);
    const dir = join(work, 'restored-fp');
    const ask = await runCli(['ca', 'restore', '--from', out, '--dir', dir], { env: {} });
    expect(ask.code).toBe(1);
    expect(ask.stderr).toContain(`The backup's root fingerprint is ${fingerprint()}`);
    expect(ask.stderr).toMatch(/^rapki: restore_fingerprint_unconfirmed: /m);
    expect(existsSync(dir)).toBe(false);
    const other = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--expect-fingerprint', 'ab'.repeat(32)], { env: {} });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^rapki: restore_fingerprint_mismatch: /m);
    const man = readFileSync(join(out, 'backup.json'), 'utf8');
    writeFileSync(join(out, 'backup.json'), man.replace('"passphraseIncluded": false', '"passphraseIncluded": true'));
    const edited = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--expect-fingerprint', fingerprint()], { env: {} });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toMatch(/^rapki: backup_signature_invalid: /m);
    writeFileSync(join(out, 'backup.json'), man);
    const yes = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--yes'], { env: {} });
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.out).toContain(`root fingerprint: ${fingerprint()}`);
  });

  it('backup needs the passphrase: a wrong one is refused before anything is written', async () => {
    const wrong = join(work, 'wrong-pass');
    writeFileSync(wrong, 'not-the-passphrase\n', { mode: 0o600 });
    const out = join(work, 'b-wrong');
    const r = await runCli(['ca', 'backup', '--dir', ca, '--out', out, '--passphrase-file', wrong], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: passphrase_invalid: /m);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a non-empty backup directory and a non-empty restore target', async () => {
    const out = join(work, 'b-text'); // made by the first test
    const b = await runCli(['ca', 'backup', '--dir', ca, '--out', out], { env: {} });
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^rapki: backup_target_not_empty: /m);
    const r = await runCli(['ca', 'restore', '--from', out, '--dir', ca], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: restore_target_not_empty: /m);
  });
});
