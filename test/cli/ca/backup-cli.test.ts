/**
 * `rapki ca backup` / `rapki ca restore` as a user runs them: the built CLI in a child process.
 * Progress on stderr, summary or `--json` on stdout, exit 1 with `(code)` on refusal, the passphrase
 * left out unless `--include-passphrase`, and the restored directory accepted by
 * `rapki audit verify --dir`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const PASS = 'test-only-ca-passphrase';
const env = { RAPKI_CA_PASSPHRASE: PASS };

describe('rapki ca backup / restore (CLI)', { timeout: 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'rapki-backup-cli-'));
  const ca = join(work, 'ca');

  beforeAll(async () => {
    const r = await runCli(['ca', 'init', '--dir', ca, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(ca, 'passphrase'), `${PASS}\n`, { mode: 0o600 });
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('backs up with progress on stderr and a summary on stdout, without the passphrase', async () => {
    const out = join(work, 'b-text');
    const r = await runCli(['ca', 'backup', '--dir', ca, '--out', out], { env: {} });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rapki: backing up ca\.db with the SQLite online backup API$/m);
    expect(r.stderr).toMatch(/^rapki: NOT copied: passphrase/m);
    expect(r.out).toContain(`backup written to ${out}`);
    expect(r.out).toMatch(/^passphrase: not included/m);
    expect(r.out).toMatch(/^audit head: [0-9a-f]{64}$/m);
    expect(existsSync(join(out, 'passphrase'))).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'backup.json')).mode & 0o777).toBe(0o600);
  });

  it('round-trips with --json, and the restored directory passes rapki audit verify --dir', async () => {
    const out = join(work, 'b-json');
    const b = await runCli(['ca', 'backup', '--dir', ca, '--out', out, '--json', '--include-passphrase'], { env: {} });
    expect(b.code, b.stderr).toBe(0);
    const bj = JSON.parse(b.out) as { out: string; files: number; passphraseIncluded: boolean; database: { auditRecords: number; auditHead: string; auditVerified: boolean } };
    expect(bj.out).toBe(out);
    expect(bj.passphraseIncluded).toBe(true);
    expect(bj.database.auditVerified).toBe(true);

    const dir = join(work, 'restored-json');
    const r = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--json'], { env: {} });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rapki: \d+ files match their SHA-256$/m);
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
    const p = join(out, 'root.key.enc');
    const buf = readFileSync(p);
    buf[buf.length - 5] ^= 0x01;
    writeFileSync(p, buf);
    const dir = join(work, 'restored-tampered');
    const r = await runCli(['ca', 'restore', '--from', out, '--dir', dir], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/root\.key\.enc does not match the SHA-256 in backup\.json\. \(backup_file_corrupt\)/);
    expect(existsSync(dir)).toBe(false);
    const j = await runCli(['ca', 'restore', '--from', out, '--dir', dir, '--json'], { env: {} });
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as { error: { code: string } }).error.code).toBe('backup_file_corrupt');
  });

  it('refuses a non-empty backup directory and a non-empty restore target', async () => {
    const out = join(work, 'b-text'); // made by the first test
    const b = await runCli(['ca', 'backup', '--dir', ca, '--out', out], { env: {} });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('(backup_target_not_empty)');
    const r = await runCli(['ca', 'restore', '--from', out, '--dir', ca], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(restore_target_not_empty)');
  });
});
