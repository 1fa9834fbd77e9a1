/**
 * End-to-end: the whole life of a host certificate through real processes — `rapki ca init`,
 * `rapki ca serve` (HTTPS on loopback, SQLite file), `token create`, `enroll`, `renew`, `cert list`,
 * `cert revoke`, `crl get`, `audit verify` — with openssl checking every certificate and CRL.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAPKI_BIN, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { makeTempDir, openssl, removeTempDir } from '../support/openssl.js';
import { waitForEvent } from '../support/wait.js';

interface RunningCa {
  dir: string;
  url: string;
  fingerprint: string;
  adminToken: string;
  server: CaServerProcess;
}

/** `ca init` + `ca serve` as child processes (test/support/ca-server.ts), plus an openssl check of the pin. */
async function startCa(intermediate: boolean): Promise<RunningCa> {
  const server = await startCaServerProcess({ intermediate });
  // The printed fingerprint is the SHA-256 of the root's DER, as openssl computes it.
  const fpLine = await openssl(['x509', '-in', server.rootPem, '-noout', '-fingerprint', '-sha256']);
  expect(fpLine.split('=')[1]!.trim().replace(/:/g, '').toLowerCase()).toBe(server.fingerprint);
  return { dir: server.dir, url: server.url, fingerprint: server.fingerprint, adminToken: server.adminToken, server };
}

async function stopCa(ca: RunningCa | undefined): Promise<void> {
  await ca?.server.dispose();
}

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

describe('CA flow with an intermediate: init → serve → token → enroll → renew → list → revoke → CRL → audit', () => {
  let tmp: string;
  let ca: RunningCa;
  let adminEnv: Record<string, string>;
  let hostDir: string;
  let firstSerial: string;
  let renewedSerial: string;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-e2e-ca-');
    ca = await startCa(true);
    adminEnv = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    hostDir = join(tmp, 'host', 'rapki');
  }, 60_000);

  afterAll(async () => {
    await stopCa(ca);
    await removeTempDir(tmp);
  });

  const token = async (subject: string, sans: string[] = []): Promise<string> => {
    const r = await runCli(['token', 'create', '--subject', subject, ...sans.flatMap((s) => ['--san', s]), '--ttl', '15m', '--cert-ttl', '24h', '--json'], {
      env: adminEnv,
    });
    expect(r.code, fail(r)).toBe(0);
    const body = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token']);
    expect(new Date(String(body['expiresAt'])).getTime()).toBeGreaterThan(Date.now());
    return String(body['token']);
  };

  const tokenFile = async (t: string): Promise<string> => {
    const f = join(tmp, `token-${Math.random().toString(36).slice(2)}`);
    await writeFile(f, `${t}\n`, { mode: 0o600 });
    return f;
  };

  it('token create prints only the token, and the enroll command line on stderr', async () => {
    const r = await runCli(['token', 'create', '--subject', 'printer-1'], { env: adminEnv });
    expect(r.code, fail(r)).toBe(0);
    expect(r.out).toMatch(/^rapki_et_[A-Za-z0-9_-]+\n$/);
    expect(r.stderr).toContain(`rapki enroll --ca-url ${new URL(ca.url).origin} --ca-fingerprint ${ca.fingerprint}`);
  });

  it('token create without an admin token says so', async () => {
    const r = await runCli(['token', 'create', '--subject', 'x'], { env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: admin_token_missing: .*RAPKI_ADMIN_TOKEN/m);
  });

  it('enroll writes key 0600, certificate, chain and root into a 0700 directory; openssl verifies', async () => {
    const t = await token('web-1', ['dns:web-1.example.com', 'ip:10.0.0.7']);
    const colonUpper = ca.fingerprint.toUpperCase().match(/../g)!.join(':');
    const r = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', colonUpper, '--token-file', await tokenFile(t), '--out', hostDir, '--json']);
    expect(r.code, fail(r)).toBe(0);
    expect(r.stderr).not.toContain(t);
    const out = JSON.parse(r.out) as { serial: string; subject: string; sans: string[] };
    expect(out.subject).toBe('web-1');
    expect(out.sans.sort()).toEqual(['dns:web-1.example.com', 'ip:10.0.0.7']);
    firstSerial = out.serial;

    expect(await mode(hostDir)).toBe(0o700);
    expect(await mode(join(hostDir, 'private-key.pem'))).toBe(0o600);
    expect((await readdir(hostDir)).sort()).toEqual(['ca.pem', 'certificate.pem', 'chain.pem', 'private-key.pem']);

    const v = await openssl(['verify', '-CAfile', 'ca.pem', '-untrusted', 'chain.pem', 'certificate.pem'], hostDir);
    expect(v.trim()).toBe('certificate.pem: OK');
    const text = await openssl(['x509', '-in', 'certificate.pem', '-noout', '-text'], hostDir);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/DNS:web-1\.example\.com/);
    expect(text).toMatch(/IP Address:10\.0\.0\.7/);
    expect(text).toMatch(/Subject: CN\s?=\s?web-1/);
    // chain.pem holds exactly the intermediate; ca.pem is the pinned root.
    const chain = await readFile(join(hostDir, 'chain.pem'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(sha256(new X509Certificate(await readFile(join(hostDir, 'ca.pem'))).raw)).toBe(ca.fingerprint);
    // The key matches the certificate and is a P-256 key made on the host.
    const keyText = await openssl(['pkey', '-in', 'private-key.pem', '-noout', '-text'], hostDir);
    expect(keyText).toContain('NIST CURVE: P-256');
    const pubFromKey = await openssl(['pkey', '-in', 'private-key.pem', '-pubout'], hostDir);
    const pubFromCert = await openssl(['x509', '-in', 'certificate.pem', '-noout', '-pubkey'], hostDir);
    expect(pubFromKey).toBe(pubFromCert);
  });

  it('the same token cannot be used twice', async () => {
    // A fresh token, enrolled once…
    const t = await token('api-1');
    const dir1 = join(tmp, 'api-1a');
    const first = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', dir1], { env: { RAPKI_ENROLL_TOKEN: t } });
    expect(first.code, fail(first)).toBe(0);
    // …is refused the second time with the server's code.
    const again = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--token', t, '--out', join(tmp, 'api-1b')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/warning: --token is visible/);
    expect(again.stderr).toMatch(/^rapki: token_used: /m);
  });

  it('a wrong fingerprint is refused before the token is sent (the token stays usable)', async () => {
    const t = await token('db-1');
    const wrong = ca.fingerprint.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const bad = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', wrong, '--out', join(tmp, 'db-1-bad')], { env: { RAPKI_ENROLL_TOKEN: t } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rapki: ca_fingerprint_mismatch: /m);
    await expect(stat(join(tmp, 'db-1-bad'))).rejects.toThrow();
    const good = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', join(tmp, 'db-1')], {
      env: { RAPKI_ENROLL_TOKEN: t },
    });
    expect(good.code, fail(good)).toBe(0);
  });

  it('renew replaces certificate and key atomically with a new serial and a new key', async () => {
    const oldCert = await readFile(join(hostDir, 'certificate.pem'), 'utf8');
    const oldKey = await readFile(join(hostDir, 'private-key.pem'), 'utf8');
    // No fingerprint given: trust comes from the ca.pem that enroll wrote next to the certificate.
    const r = await runCli([
      'renew',
      '--ca-url',
      ca.url,
      '--certificate',
      join(hostDir, 'certificate.pem'),
      '--private-key',
      join(hostDir, 'private-key.pem'),
      '--json',
    ]);
    expect(r.code, fail(r)).toBe(0);
    const out = JSON.parse(r.out) as { serial: string; previousSerial: string };
    expect(out.previousSerial).toBe(firstSerial);
    expect(out.serial).not.toBe(firstSerial);
    renewedSerial = out.serial;
    const newCert = await readFile(join(hostDir, 'certificate.pem'), 'utf8');
    expect(newCert).not.toBe(oldCert);
    expect(await readFile(join(hostDir, 'private-key.pem'), 'utf8')).not.toBe(oldKey);
    expect(await mode(join(hostDir, 'private-key.pem'))).toBe(0o600);
    expect((await readdir(hostDir)).sort()).toEqual(['ca.pem', 'certificate.pem', 'chain.pem', 'private-key.pem']);
    const v = await openssl(['verify', '-CAfile', 'ca.pem', '-untrusted', 'chain.pem', 'certificate.pem'], hostDir);
    expect(v.trim()).toBe('certificate.pem: OK');
    const serialLine = await openssl(['x509', '-in', 'certificate.pem', '-noout', '-serial'], hostDir);
    expect(BigInt(`0x${serialLine.trim().replace(/^serial=/, '')}`)).toBe(BigInt(`0x${renewedSerial}`));
    const pubFromKey = await openssl(['pkey', '-in', 'private-key.pem', '-pubout'], hostDir);
    expect(pubFromKey).toBe(await openssl(['x509', '-in', 'certificate.pem', '-noout', '-pubkey'], hostDir));
  });

  it('cert list --json shows both certificates of the host (the renewed one superseded), following every page', async () => {
    const r = await runCli(['cert', 'list', '--host', 'web-1', '--json'], { env: adminEnv });
    expect(r.code, fail(r)).toBe(0);
    const { certificates } = JSON.parse(r.out) as { certificates: { serial: string; host: string; status: string }[] };
    expect(certificates.map((c) => c.serial).sort()).toEqual([firstSerial, renewedSerial].sort());
    expect(certificates.every((c) => c.host === 'web-1')).toBe(true);
    expect(Object.fromEntries(certificates.map((c) => [c.serial, c.status]))).toEqual({ [firstSerial]: 'superseded', [renewedSerial]: 'active' });
    const all = await runCli(['cert', 'list'], { env: adminEnv });
    expect(all.code, fail(all)).toBe(0);
    expect(all.out).toMatch(/^SERIAL\s+HOST\s+STATUS/);
    for (const s of [firstSerial, renewedSerial]) expect(all.out).toContain(s);
  });

  it('cert revoke takes the serial as openssl prints it; the CRL then lists it and openssl says revoked', async () => {
    const serialLine = (await openssl(['x509', '-in', 'certificate.pem', '-noout', '-serial'], hostDir)).trim();
    expect(serialLine).toMatch(/^serial=[0-9A-F]+$/);
    const r = await runCli(['cert', 'revoke', serialLine, '--reason', 'keyCompromise'], { env: adminEnv });
    expect(r.code, fail(r)).toBe(0);
    expect(r.out).toContain(renewedSerial);

    const pem = await runCli(['crl', 'get', '--pem'], { env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint } });
    expect(pem.code, fail(pem)).toBe(0);
    expect(pem.out).toMatch(/^-----BEGIN X509 CRL-----/);
    const crlPem = join(tmp, 'crl.pem');
    await writeFile(crlPem, pem.stdout);
    // The CRL is signed by the issuing CA (the intermediate) and names the revoked serial.
    const crlText = await openssl(['crl', '-in', crlPem, '-noout', '-text', '-CAfile', join(hostDir, 'chain.pem')]);
    expect(crlText).toMatch(/X509v3 CRL Number/);
    expect(crlText.toLowerCase().replace(/[^0-9a-z\n]/g, '')).toContain(`serialnumber${renewedSerial}`);
    const verdict = await openssl(
      ['verify', '-crl_check', '-CAfile', 'ca.pem', '-untrusted', 'chain.pem', '-CRLfile', crlPem, 'certificate.pem'],
      hostDir,
    ).catch((e: Error) => e.message);
    expect(verdict).toMatch(/certificate revoked/);

    // DER to a file by default.
    const derFile = join(tmp, 'crl.der');
    const der = await runCli(['crl', 'get', '--out', derFile], { env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint } });
    expect(der.code, fail(der)).toBe(0);
    const derText = await openssl(['crl', '-inform', 'DER', '-in', derFile, '-noout', '-text']);
    expect(derText).toContain('Certificate Revocation List (CRL)');

    // The inventory shows it revoked, the first one still active.
    const list = await runCli(['cert', 'list', '--host', 'web-1', '--status', 'revoked', '--json'], { env: adminEnv });
    expect((JSON.parse(list.out) as { certificates: { serial: string }[] }).certificates.map((c) => c.serial)).toEqual([renewedSerial]);
  });

  it('a revoked certificate cannot renew, and its files stay as they were', async () => {
    const before = await readFile(join(hostDir, 'certificate.pem'), 'utf8');
    const r = await runCli([
      'renew',
      '--ca-url',
      ca.url,
      '--ca-fingerprint',
      ca.fingerprint,
      '--certificate',
      join(hostDir, 'certificate.pem'),
      '--private-key',
      join(hostDir, 'private-key.pem'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: certificate_revoked: /m);
    expect(await readFile(join(hostDir, 'certificate.pem'), 'utf8')).toBe(before);
    expect((await readdir(hostDir)).sort()).toEqual(['ca.pem', 'certificate.pem', 'chain.pem', 'private-key.pem']);
  });

  it('revoking a host revokes all of its certificates and blocks it from enrolling again', async () => {
    const r = await runCli(['cert', 'revoke', '--host', 'web-1', '--json'], { env: adminEnv });
    expect(r.code, fail(r)).toBe(0);
    const body = JSON.parse(r.out) as { revoked: string[]; blocked: boolean };
    expect(body.revoked).toEqual([firstSerial]);
    expect(body.blocked).toBe(true);
    const t = await token('web-1', ['dns:web-1.example.com', 'ip:10.0.0.7']);
    const e = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', join(tmp, 'web-1-again')], {
      env: { RAPKI_ENROLL_TOKEN: t },
    });
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^rapki: host_blocked: /m);
  });

  it('cert revoke of an unknown serial and of a garbage serial give clear errors', async () => {
    const unknown = await runCli(['cert', 'revoke', '0A:0B:0C:0D:0E:0F:10:11'], { env: adminEnv });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^rapki: certificate_not_found: /m);
    const garbage = await runCli(['cert', 'revoke', 'not-a-serial'], { env: adminEnv });
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/^rapki: serial_invalid: /m);
  });

  it('audit verify checks the hash chain over the API and from the CA directory', async () => {
    const r = await runCli(['audit', 'verify', '--json'], { env: adminEnv });
    expect(r.code, fail(r)).toBe(0);
    const api = JSON.parse(r.out) as { ok: boolean; count: number; lastHash: string };
    expect(api.ok).toBe(true);
    // init, tokens, issuances, renewal, revocations, CRLs: well over a dozen records.
    expect(api.count).toBeGreaterThan(12);
    const d = await runCli(['audit', 'verify', '--dir', ca.dir, '--json'], { env: {} });
    expect(d.code, fail(d)).toBe(0);
    const local = JSON.parse(d.out) as { count: number; lastHash: string };
    expect(local.count).toBeGreaterThanOrEqual(api.count);
  });
});

describe('CA flow without an intermediate', () => {
  let tmp: string;
  let ca: RunningCa;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-e2e-ca-root-');
    ca = await startCa(false);
  }, 60_000);
  afterAll(async () => {
    await stopCa(ca);
    await removeTempDir(tmp);
  });

  it('enroll (RSA key, names given on the command line) leaves chain.pem empty and verifies against the root', async () => {
    const adminFile = join(tmp, 'admin-token');
    await writeFile(adminFile, ca.adminToken, { mode: 0o600 });
    const t = await runCli([
      'token',
      'create',
      '--ca-url',
      ca.url,
      '--ca-fingerprint',
      ca.fingerprint,
      '--admin-token-file',
      adminFile,
      '--subject',
      'batch-7',
      '--san',
      'dns:batch-7.example.com',
      '--json',
    ]);
    expect(t.code, fail(t)).toBe(0);
    const { token } = JSON.parse(t.out) as { token: string };
    const out = join(tmp, 'batch-7');
    const r = await runCli(
      [
        'enroll',
        '--ca-url',
        ca.url,
        '--ca-fingerprint',
        ca.fingerprint,
        '--out',
        out,
        '--key-type',
        'rsa-2048',
        '--subject',
        'batch-7',
        '--san',
        'dns:batch-7.example.com',
      ],
      { env: { RAPKI_ENROLL_TOKEN: token } },
    );
    expect(r.code, fail(r)).toBe(0);
    expect(await readFile(join(out, 'chain.pem'), 'utf8')).toBe('');
    expect((await openssl(['verify', '-CAfile', 'ca.pem', 'certificate.pem'], out)).trim()).toBe('certificate.pem: OK');
    expect(await openssl(['x509', '-in', 'certificate.pem', '-noout', '-text'], out)).toContain('Public-Key: (2048 bit)');
  });

  it('renew --daemon renews a short-lived certificate at once, plans the next one, and stops on SIGTERM', async () => {
    const env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const t = await runCli(['token', 'create', '--subject', 'short-1', '--cert-ttl', '60s', '--json'], { env });
    expect(t.code, fail(t)).toBe(0);
    const out = join(tmp, 'short-1');
    const e = await runCli(['enroll', '--out', out, '--json'], { env: { ...env, RAPKI_ENROLL_TOKEN: (JSON.parse(t.out) as { token: string }).token } });
    expect(e.code, fail(e)).toBe(0);
    const first = (JSON.parse(e.out) as { serial: string }).serial;
    // The lifetime counts from when the file was written (its mtime), clamped to notBefore, which
    // is backdated 5 min. A certificate written "10 min ago" is thus 5 of its 6 minutes old: renew at once.
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(join(out, 'certificate.pem'), old, old);
    const child = spawn(
      process.execPath,
      [RAPKI_BIN, 'renew', '--daemon', '--json', '--certificate', join(out, 'certificate.pem'), '--private-key', join(out, 'private-key.pem')],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', RAPKI_CA_URL: ca.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no renewal in time: ${stderr}`)), 20_000);
        createInterface({ input: child.stdout! }).once('line', (l) => {
          clearTimeout(timer);
          resolve(l);
        });
      });
      const r = JSON.parse(line) as { serial: string; previousSerial: string };
      expect(r.previousSerial).toBe(first);
      expect(r.serial).not.toBe(first);
      // The next renewal is planned ~40 s after this one (2/3 of 60 s from now), not immediately.
      // (A certificate due at once is renewed without a plan line: the first one follows the renewal.)
      const plannedAt = () => [...stderr.matchAll(/next renewal at (\S+)\n/g)].map((m) => Date.parse(m[1]!));
      const planned = await waitForEvent('the next renewal plan', () => (plannedAt().length > 0 ? plannedAt() : undefined), {
        on: [[child.stderr!, 'data']],
        process: child,
        timeoutMs: 10_000,
        describe: () => stderr,
      });
      expect(planned.at(-1)! - Date.now()).toBeGreaterThan(25_000);
      const serialLine = await openssl(['x509', '-in', 'certificate.pem', '-noout', '-serial'], out);
      expect(BigInt(`0x${serialLine.trim().slice('serial='.length)}`)).toBe(BigInt(`0x${r.serial}`));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('names that differ from the token are refused with name_mismatch', async () => {
    const t = await runCli(['token', 'create', '--subject', 'batch-8', '--json'], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken },
    });
    const { token } = JSON.parse(t.out) as { token: string };
    const r = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', join(tmp, 'b8'), '--subject', 'batch-9'], {
      env: { RAPKI_ENROLL_TOKEN: token },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: name_mismatch: /m);
  });
});
