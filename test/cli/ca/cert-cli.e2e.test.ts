/**
 * `rapki cert list|revoke`, `rapki crl get` and the CA client's pinning as a user meets them: the
 * built CLI as child processes against a real `rapki ca serve`, openssl checking the CRL.
 * - a renewed certificate is listed as `superseded`, not `active` (`--status` filters both ways);
 * - `cert revoke --host` refuses a name the CA never issued to unless `--block-unknown`;
 * - `crl get` prints PEM, DER only with `--der` or into `--out`;
 * - a wrong `--ca-fingerprint` is refused with the fingerprint the server did present.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';

let ca: CaServerProcess;
let tmp: string;
let env: Record<string, string>;
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const rapki = async (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, { env: { ...env, ...extra }, timeoutMs: 30_000 });

interface Listed {
  serial: string;
  host: string;
  status: string;
  renewedFrom: string | null;
  renewedBy: string | null;
}
const list = async (...args: string[]): Promise<Listed[]> => {
  const r = await rapki(['cert', 'list', '--json', ...args]);
  expect(r.code, fail(r)).toBe(0);
  return (JSON.parse(r.out) as { certificates: Listed[] }).certificates;
};

beforeAll(async () => {
  tmp = await makeTempDir('rapki-cert-cli-');
  ca = await startCaServerProcess();
  env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
}, 60_000);
afterAll(async () => {
  await ca?.dispose();
  await removeTempDir(tmp);
});

describe('cert list after a renewal', () => {
  it('shows the renewed certificate as superseded (with renewedBy), the new one as active', async () => {
    const token = await rapki(['token', 'create', '--subject', 'renewing-host']);
    expect(token.code, fail(token)).toBe(0);
    writeFileSync(join(tmp, 'token'), token.out, { mode: 0o600 });
    const dir = join(tmp, 'host');
    const enrolled = await rapki(['enroll', '--token-file', join(tmp, 'token'), '--out', dir, '--json']);
    expect(enrolled.code, fail(enrolled)).toBe(0);
    const first = (JSON.parse(enrolled.out) as { serial: string }).serial;
    const renewed = await rapki(['renew', '--certificate', join(dir, 'certificate.pem'), '--private-key', join(dir, 'private-key.pem'), '--json'], {
      RAPKI_CA_FINGERPRINT: '',
    });
    expect(renewed.code, fail(renewed)).toBe(0);
    const second = (JSON.parse(renewed.out) as { serial: string }).serial;
    expect(second).not.toBe(first);

    const all = await list('--host', 'renewing-host');
    expect(all.map((c) => [c.serial, c.status, c.renewedFrom, c.renewedBy])).toEqual([
      [second, 'active', first, null],
      [first, 'superseded', null, second],
    ]);
    expect((await list('--host', 'renewing-host', '--status', 'active')).map((c) => c.serial)).toEqual([second]);
    expect((await list('--host', 'renewing-host', '--status', 'superseded')).map((c) => c.serial)).toEqual([first]);

    const table = await rapki(['cert', 'list', '--host', 'renewing-host']);
    expect(table.code, fail(table)).toBe(0);
    expect(table.out).toMatch(new RegExp(`^${first}\\s+renewing-host\\s+superseded\\s`, 'm'));
    expect(table.out).toMatch(new RegExp(`^${second}\\s+renewing-host\\s+active\\s`, 'm'));
  }, 60_000);
});

describe('cert revoke --host', () => {
  it('refuses a host the CA never issued to, and blocks it only with --block-unknown', async () => {
    const r = await rapki(['cert', 'revoke', '--host', 'nosuchhost']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.stderr).toBe(
      'rapki: host_not_found: the CA never issued a certificate to host "nosuchhost" and it is not blocked, so nothing was revoked or blocked: ' +
        'check the name (`rapki cert list`), or pass --block-unknown to block it from enrolling anyway\n',
    );
    // Not blocked: unblocking it says so.
    const unblock = await rapki(['host', 'unblock', 'nosuchhost']);
    expect(unblock.stderr).toMatch(/^rapki: host_not_found: /);

    const b = await rapki(['cert', 'revoke', '--host', 'nosuchhost', '--block-unknown']);
    expect(b.code, fail(b)).toBe(0);
    expect(b.out).toMatch(/^revoked 0 certificate\(s\) of nosuchhost; host blocked from enrolling; CRL \d+ published\n$/);
    const token = await rapki(['token', 'create', '--subject', 'nosuchhost']);
    writeFileSync(join(tmp, 'token-blocked'), token.out, { mode: 0o600 });
    const enroll = await rapki(['enroll', '--token-file', join(tmp, 'token-blocked'), '--out', join(tmp, 'blocked-host')]);
    expect(enroll.code).toBe(1);
    expect(enroll.stderr).toMatch(/host_blocked/);
  }, 60_000);
});

describe('crl get', () => {
  it('prints PEM by default; DER with --der and into --out; openssl reads both', async () => {
    const pem = await rapki(['crl', 'get']);
    expect(pem.code, fail(pem)).toBe(0);
    expect(pem.out).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const pemFile = join(tmp, 'crl.pem');
    writeFileSync(pemFile, pem.out);
    const verified = spawnSync('openssl', ['crl', '-in', pemFile, '-CAfile', ca.rootPem, '-noout'], { encoding: 'utf8' });
    expect([verified.status, verified.stderr.trim()]).toEqual([0, 'verify OK']);

    const der = await rapki(['crl', 'get', '--der']);
    expect(der.code, fail(der)).toBe(0);
    expect(der.stdout[0]).toBe(0x30);
    const derFile = join(tmp, 'crl-stdout.der');
    writeFileSync(derFile, der.stdout);
    const out = join(tmp, 'crl.der');
    expect((await rapki(['crl', 'get', '--out', out])).code).toBe(0);
    for (const f of [derFile, out]) {
      const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', f, '-noout', '-text']).toString();
      expect(text).toContain('X509v3 CRL Number');
    }
    expect(readFileSync(out).equals(der.stdout)).toBe(true);
  }, 60_000);
});

describe('a wrong --ca-fingerprint', () => {
  it('is refused, naming the root fingerprint the server presented', async () => {
    const wrong = 'ab'.repeat(32);
    const r = await rapki(['cert', 'list'], { RAPKI_CA_FINGERPRINT: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `rapki: ca_fingerprint_mismatch: the CA at ${ca.url} presented root ${ca.fingerprint} (CN=rapki Root CA), not the pinned root ${wrong}.`,
    );
    expect(r.stderr).toMatch(/--ca-fingerprint/);
  }, 30_000);
});
