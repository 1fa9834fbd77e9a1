/**
 * `rapki agent` end to end, through real processes (docs/host.md "`rapki agent`"): a CA server issuing
 * 90-second certificates, `rapki emulator` as Roles Anywhere (it refuses expired certificates), and
 * the agent renewing twice while `credential-process --no-cache` runs every ~1 s the whole time.
 * No run may fail: not while the files are swapped, not while the CA is down (the old certificate
 * stays), not after the first certificate expired (the renewed one is used). The CA is stopped
 * before the second renewal and restarted on the same port and directory after two failed
 * attempts: the agent backs off, then recovers. `--exec-after` runs after each renewal (its first
 * run fails on purpose: logged, not fatal), `--serve` answers IMDSv2 requests, SIGTERM exits 0.
 *
 * Wall time ~2.5 min (two renewals at 2/3 of 90 s plus the outage); set RAPKI_SKIP_SLOW_E2E=1 to skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAPKI_BIN, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { makeTempDir, openssl, removeTempDir } from '../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';
import { waitForEvent } from '../support/wait.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-agent-e2e';
const CERT_TTL_S = 90;
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LogEntry {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [k: string]: unknown;
}

interface Attempt {
  readonly startedAt: number;
  readonly ms: number;
  readonly code: number | null;
  readonly stderr: string;
}

function httpCall(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(process.env.RAPKI_SKIP_SLOW_E2E === '1')('rapki agent: two renewals of a 90 s certificate, CA outage, no failed credential-process', () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let ca: CaServerProcess;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-e2e-agent-');
    emu = await startEmulatorProcess();
    ca = await startCaServerProcess({ intermediate: true, env: { ...TEST_AWS_ENV } });
  }, 60_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await ca?.dispose();
    await emu?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('renews twice without a gap, backs off while the CA is down, runs --exec-after, serves IMDS, exits 0 on SIGTERM', async () => {
    const adminEnv = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const reg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: adminEnv, timeoutMs: 60_000 });
    expect(reg.code, fail(reg)).toBe(0);
    const { trustAnchorArn, profileArn } = JSON.parse(reg.out) as { trustAnchorArn: string; profileArn: string };

    const tok = await runCli(['token', 'create', '--subject', 'agent-e2e', '--cert-ttl', `${CERT_TTL_S}s`, '--json'], { env: adminEnv });
    expect(tok.code, fail(tok)).toBe(0);
    const hostDir = join(tmp, 'host');
    const enr = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', hostDir, '--json'], {
      env: { RAPKI_ENROLL_TOKEN: (JSON.parse(tok.out) as { token: string }).token },
    });
    expect(enr.code, fail(enr)).toBe(0);
    const firstSerial = (JSON.parse(enr.out) as { serial: string }).serial;
    const files = {
      certificate: join(hostDir, 'certificate.pem'),
      privateKey: join(hostDir, 'private-key.pem'),
      chain: join(hostDir, 'chain.pem'),
    };
    const firstCert = new X509Certificate(await readFile(files.certificate));
    expect(Date.parse(firstCert.validTo) - Date.now()).toBeLessThan(CERT_TTL_S * 1000 + 5000);

    const writtenAt = (await stat(files.certificate)).mtimeMs;
    const hookLog = join(tmp, 'hook.log');
    // First run fails on purpose (exit 3), later runs succeed; each records what it was told and
    // the serial of the certificate file at that moment (so the files are in place before the hook).
    const hook =
      `printf '%s %s %s ' "$RAPKI_SERIAL" "$RAPKI_CERTIFICATE" "$RAPKI_PRIVATE_KEY" >> '${hookLog}'; ` +
      `openssl x509 -in "$RAPKI_CERTIFICATE" -noout -serial >> '${hookLog}'; ` +
      `[ "$(wc -l < '${hookLog}')" -gt 1 ] || exit 3`;
    const agentStarted = Date.now();
    agent = spawn(
      process.execPath,
      [
        RAPKI_BIN,
        'agent',
        '--ca-url',
        ca.url,
        '--ca-fingerprint',
        ca.fingerprint,
        '--certificate',
        files.certificate,
        '--private-key',
        files.privateKey,
        '--intermediates',
        files.chain,
        '--exec-after',
        hook,
        '--serve',
        '--port',
        '0',
        '--trust-anchor-arn',
        trustAnchorArn,
        '--profile-arn',
        profileArn,
        '--role-arn',
        ROLE,
        '--region',
        'us-east-1',
        '--endpoint',
        emu.url,
      ],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const entries: LogEntry[] = [];
    let stderrRaw = '';
    let partial = '';
    agent.stderr!.on('data', (c: Buffer) => {
      stderrRaw += c.toString();
      partial += c.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        try {
          entries.push(JSON.parse(l) as LogEntry);
        } catch {
          /* hook output or the final error line */
        }
      }
    });
    const exited = new Promise<number | null>((r) => agent!.once('exit', (code) => r(code)));
    // On each log line (no polling): fails when the agent exits first or after `timeoutMs`.
    const waitFor = async (what: string, pred: (e: LogEntry[]) => boolean, timeoutMs: number): Promise<void> => {
      await waitForEvent(what, () => (pred(entries) ? true : undefined), {
        on: [[agent!.stderr!, 'data']],
        process: agent!,
        timeoutMs,
        describe: () => stderrRaw,
      });
    };
    const count = (msg: string) => entries.filter((e) => e.msg === msg).length;

    // credential-process, exactly as a profile's credential_process line runs it, every ~1 s.
    const cpArgs = [
      'credential-process',
      '--no-cache',
      '--certificate',
      files.certificate,
      '--private-key',
      files.privateKey,
      '--intermediates',
      files.chain,
      '--trust-anchor-arn',
      trustAnchorArn,
      '--profile-arn',
      profileArn,
      '--role-arn',
      ROLE,
      '--region',
      'us-east-1',
      '--endpoint',
      emu.url,
    ];
    const attempts: Attempt[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) {
        const t = Date.now();
        const r = await runCli(cpArgs, { timeoutMs: 20_000 });
        attempts.push({ startedAt: t - agentStarted, ms: Date.now() - t, code: r.code, stderr: r.stderr });
        if (r.code === 0) expect((JSON.parse(r.out) as { Version: number }).Version).toBe(1);
        await sleep(1000);
      }
    })();

    try {
      await waitFor(
        'serving and a planned renewal',
        (e) => e.some((x) => x.msg === 'renewal planned') && e.some((x) => x.msg === 'serving credentials'),
        30_000,
      );
      expect(entries.some((x) => x.msg === 'serving credentials')).toBe(true);
      const planned = entries.find((e) => e.msg === 'renewal planned')!;
      // Planned at 2/3 of the lifetime counted from when the file was written (±5 % jitter), not at
      // once (notBefore is backdated 5 min, which would make it due already).
      const offset = Date.parse(planned.at as string) - (writtenAt + (2 / 3) * CERT_TTL_S * 1000);
      expect(Math.abs(offset), `planned ${String(planned.at)}, file written ${new Date(writtenAt).toISOString()}`).toBeLessThanOrEqual(
        0.05 * CERT_TTL_S * 1000 + 1000,
      );

      // Renewal 1.
      await waitFor('renewal 1', () => count('renewed') >= 1, 90_000);
      const renewed1 = entries.filter((e) => e.msg === 'renewed')[0]!;
      const t1 = Date.now();
      expect(renewed1.previous_serial).toBe(firstSerial);
      await waitFor('exec-after 1', () => count('exec-after failed') >= 1, 10_000);
      expect(entries.find((e) => e.msg === 'exec-after failed')!.exit_code).toBe(3);

      // The CA goes down; renewal 2 fails, the agent backs off and keeps the current files.
      expect(await ca.stop()).toBe(0);
      await waitFor(
        'two failed attempts and their retries',
        () => count('renewal failed; keeping the current certificate') >= 2 && count('renewal retry planned') >= 2,
        90_000,
      );
      const failures = entries.filter((e) => e.msg === 'renewal failed; keeping the current certificate');
      expect(failures[0]!.code).toBe('ca_unreachable');
      expect(failures.map((f) => f.attempt)).toEqual([1, 2]);
      const retries = entries.filter((e) => e.msg === 'renewal retry planned').map((e) => Date.parse(e.at as string) - Date.parse(e.time));
      expect(retries[0]).toBeGreaterThanOrEqual(2000); // backoff, not a busy loop
      expect(retries[1]).toBeGreaterThan(retries[0]! * 0.9);
      const stillFirst = new X509Certificate(await readFile(files.certificate));
      expect(stillFirst.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(String(renewed1.serial).replace(/^0+/, ''));
      const outage = Date.now();
      ca = await ca.restart({ samePort: true });

      // Recovery: renewal 2 with the restarted CA, before the current certificate expires.
      await waitFor('renewal 2', () => count('renewed') >= 2, 30_000);
      const recoveredIn = Date.now() - outage;
      const renewed2 = entries.filter((e) => e.msg === 'renewed')[1]!;
      expect(renewed2.previous_serial).toBe(renewed1.serial);
      await waitFor('exec-after 2', () => count('exec-after succeeded') >= 1, 10_000);

      // Keep calling until the FIRST certificate has expired and a little more: the renewed files
      // are what credential-process uses (the emulator refuses expired certificates).
      // (Real time: the emulator checks validity against the real clock, as AWS does.)
      const firstExpiry = Date.parse(firstCert.validTo);
      await sleep(Math.max(0, firstExpiry + 3000 - Date.now()));
      looping = false;
      await loop;

      // The files: new serial, key 0600, matching key, chain to the root, no temporaries left.
      const cert = new X509Certificate(await readFile(files.certificate));
      expect(cert.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(String(renewed2.serial).replace(/^0+/, ''));
      expect((await stat(files.privateKey)).mode & 0o777).toBe(0o600);
      const { createPrivateKey } = await import('node:crypto');
      expect(cert.checkPrivateKey(createPrivateKey(await readFile(files.privateKey)))).toBe(true);
      const verified = await openssl(['verify', '-CAfile', ca.rootPem, '-untrusted', files.chain, files.certificate], hostDir);
      expect(verified).toMatch(/: OK/);
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(hostDir)).filter((f) => f.startsWith('.'))).toEqual([]);

      // The hook ran after each renewal, with the new files already in place.
      const hookLines = (await readFile(hookLog, 'utf8')).trim().split('\n');
      expect(hookLines).toHaveLength(2);
      for (const [i, r] of [renewed1, renewed2].entries()) {
        const [serial, certPath, keyPath, serialLine] = hookLines[i]!.split(' ');
        expect(serial).toBe(r.serial);
        expect(certPath).toBe(files.certificate);
        expect(keyPath).toBe(files.privateKey);
        expect(BigInt(`0x${serialLine!.slice('serial='.length)}`)).toBe(BigInt(`0x${String(r.serial)}`));
      }

      // --serve: IMDSv2 token, role name, credentials.
      const base = String(entries.find((e) => e.msg === 'serving credentials')!.endpoint);
      const tokenRes = await httpCall(`${base}latest/api/token`, 'PUT', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
      expect(tokenRes.status).toBe(200);
      const h = { 'x-aws-ec2-metadata-token': tokenRes.body };
      const roleRes = await httpCall(`${base}latest/meta-data/iam/security-credentials/`, 'GET', h);
      expect(roleRes.body.trim()).toBe('rapki-agent-e2e');
      const credRes = await httpCall(`${base}latest/meta-data/iam/security-credentials/rapki-agent-e2e`, 'GET', h);
      expect(credRes.status).toBe(200);
      expect(JSON.parse(credRes.body)).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC' });

      // No credential-process run failed, at any point.
      const failed = attempts.filter((a) => a.code !== 0);
      expect(failed, failed.map((a) => `t=${a.startedAt} ms: ${a.stderr}`).join('\n')).toEqual([]);
      expect(attempts.length).toBeGreaterThan(40);
      // Nothing secret in the log: no PEM, no AWS secret.
      expect(stderrRaw).not.toMatch(/BEGIN|PRIVATE KEY|SecretAccessKey|SessionToken/);

      // Timings, for the report.
      const total = Date.now() - agentStarted;
      console.log(
        `agent e2e: renewal 1 after ${Date.parse(renewed1.time) - agentStarted} ms, renewal 2 ${Date.parse(renewed2.time) - t1} ms after it ` +
          `(CA stopped right after renewal 1, restarted ${outage - t1} ms later after 2 failed attempts; renewed ${recoveredIn} ms after the restart), ${attempts.length} credential-process runs ` +
          `(max ${Math.max(...attempts.map((a) => a.ms))} ms), total ${total} ms`,
      );
    } finally {
      looping = false;
      await loop.catch(() => undefined);
      if (agent.exitCode === null) agent.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(entries.at(-1)!.msg).toBe('stopped');
    expect(entries.some((e) => e.msg === 'stopping' && e.signal === 'SIGTERM')).toBe(true);
  }, 240_000);
});
