/**
 * `rapki agent` in-process against a real CA server process, on virtual time: renewal, hook,
 * refusal, unusable files, flags. (The real-time run with a credential loop is test/e2e/agent.e2e.test.ts.)
 * Also `rapki host unblock` as a child process.
 */
import { X509Certificate } from 'node:crypto';
import { cp, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, type AgentArgs } from '../../../cli/src/handlers/agent.js';
import type { DaemonEnv } from '../../../cli/src/ca-client/daemon-env.js';
import type { CommandIo } from '../../../cli/src/io.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { startLoopbackVerifier } from '../../support/loopback-verifier.js';

let ca: CaServerProcess;
let tmp: string;
let adminEnv: Record<string, string>;
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

beforeAll(async () => {
  tmp = await makeTempDir('rapki-agent-handler-');
  ca = await startCaServerProcess();
  adminEnv = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
}, 60_000);
afterAll(async () => {
  await ca?.dispose();
  if (tmp) await removeTempDir(tmp);
});

async function enroll(subject: string, certTtl = '60s'): Promise<{ dir: string; serial: string }> {
  const t = await runCli(['token', 'create', '--subject', subject, '--cert-ttl', certTtl, '--json'], { env: adminEnv });
  expect(t.code, fail(t)).toBe(0);
  const dir = join(tmp, subject);
  const e = await runCli(['enroll', '--out', dir, '--json'], { env: { ...adminEnv, RAPKI_ENROLL_TOKEN: (JSON.parse(t.out) as { token: string }).token } });
  expect(e.code, fail(e)).toBe(0);
  return { dir, serial: (JSON.parse(e.out) as { serial: string }).serial };
}

function io(): CommandIo & { out: string; err: string; entries: () => Array<Record<string, unknown>> } {
  const o = {
    out: '',
    err: '',
    env: { PATH: process.env.PATH },
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

/** Virtual time; no file mtime (so a 60 s certificate with its 5-min backdating is due at once). */
function daemon(stopAfterSleeps: number): DaemonEnv & { sleeps: number[] } {
  const ac = new AbortController();
  const sleeps: number[] = [];
  let offset = 0;
  return {
    sleeps,
    now: () => new Date(Date.now() + offset),
    random: () => 0.5,
    signal: ac.signal,
    sleep: async (ms) => {
      sleeps.push(ms);
      offset += ms;
      if (sleeps.length >= stopAfterSleeps) ac.abort();
    },
  };
}

const args = (dir: string, extra: Partial<AgentArgs> = {}): AgentArgs => ({
  'ca-url': ca.url,
  certificate: join(dir, 'certificate.pem'),
  'private-key': join(dir, 'private-key.pem'),
  ...extra,
});

const serialOf = async (dir: string): Promise<string> =>
  new X509Certificate(await readFile(join(dir, 'certificate.pem'))).serialNumber.toLowerCase().replace(/^0+/, '');

describe('rapki agent (in-process)', () => {
  it('renews when due, runs --exec-after with the new files named, plans the next renewal, stops on the signal', async () => {
    const { dir, serial } = await enroll('agent-h-1');
    const hookOut = join(tmp, 'hook-1.txt');
    const o = io();
    const d = daemon(1);
    const code = await agentCommand(
      args(dir, { 'exec-after': `printf '%s|%s|%s|%s' "$RAPKI_SERIAL" "$RAPKI_PREVIOUS_SERIAL" "$RAPKI_CERTIFICATE" "$RAPKI_PRIVATE_KEY" > '${hookOut}'` }),
      o,
      { daemon: d },
    );
    expect(code, o.err).toBe(0);
    const msgs = o.entries().map((e) => e.msg);
    expect(msgs).toEqual(['agent started', 'renewed', 'exec-after succeeded', 'renewal planned', 'stopped']);
    const renewed = o.entries()[1]!;
    expect(renewed.previous_serial).toBe(serial);
    expect(await serialOf(dir)).toBe(String(renewed.serial).replace(/^0+/, ''));
    expect(await readFile(hookOut, 'utf8')).toBe(`${renewed.serial}|${serial}|${join(dir, 'certificate.pem')}|${join(dir, 'private-key.pem')}`);
    // 2/3 of the new 60 s lifetime, counted from the renewal.
    expect(Math.abs(d.sleeps[0]! - 40_000)).toBeLessThan(2000);
    expect(o.err).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('a failing hook is logged with its status and does not stop the agent', async () => {
    const { dir } = await enroll('agent-h-2');
    const o = io();
    expect(await agentCommand(args(dir, { 'exec-after': 'exit 5' }), o, { daemon: daemon(1) })).toBe(0);
    const hook = o.entries().find((e) => e.msg === 'exec-after failed');
    expect(hook).toMatchObject({ level: 'warn', exit_code: 5 });
    expect(o.entries().at(-1)!.msg).toBe('stopped');
  });

  it('a revoked certificate ends the agent with exit 3, the code in the log, and the files untouched', async () => {
    const { dir, serial } = await enroll('agent-h-3');
    const r = await runCli(['cert', 'revoke', serial], { env: adminEnv });
    expect(r.code, fail(r)).toBe(0);
    const before = await readFile(join(dir, 'certificate.pem'), 'utf8');
    const o = io();
    expect(await agentCommand(args(dir), o, { daemon: daemon(5) })).toBe(3);
    const last = o.entries().at(-1)!;
    expect(last).toMatchObject({ level: 'error', code: 'certificate_revoked' });
    expect(o.err).toMatch(/^rapki: certificate_revoked: /m);
    expect(await readFile(join(dir, 'certificate.pem'), 'utf8')).toBe(before);
  });

  it('a certificate someone else already renewed (certificate_superseded, C26) ends the agent with exit 3, files untouched', async () => {
    const { dir } = await enroll('agent-h-9');
    // A copy of the host's files (a thief) renews first.
    const copy = join(tmp, 'agent-h-9-copy');
    await cp(dir, copy, { recursive: true });
    const t = await runCli(['renew', '--certificate', join(copy, 'certificate.pem'), '--private-key', join(copy, 'private-key.pem')], { env: adminEnv });
    expect(t.code, fail(t)).toBe(0);
    const before = await readFile(join(dir, 'certificate.pem'), 'utf8');
    const o = io();
    expect(await agentCommand(args(dir), o, { daemon: daemon(5) })).toBe(3);
    expect(o.entries().at(-1)!).toMatchObject({ level: 'error', code: 'certificate_superseded' });
    expect(o.err).toMatch(/^rapki: certificate_superseded: .*already renewed \(serial [0-9a-f]+\)/m);
    expect(await readFile(join(dir, 'certificate.pem'), 'utf8')).toBe(before);
  });

  it('refuses unusable files at start, before any renewal', async () => {
    const a = await enroll('agent-h-4');
    const b = await enroll('agent-h-5');
    const o = io();
    expect(await agentCommand({ ...args(a.dir), 'private-key': join(b.dir, 'private-key.pem') }, o, { daemon: daemon(1) })).toBe(1);
    expect(o.err).toMatch(/^rapki: file_invalid: .*is not the key of/m);
    expect(o.entries()).toEqual([]);
    expect(await serialOf(a.dir)).toBe(a.serial.replace(/^0+/, ''));
  });

  it('checks --port and --key-type', async () => {
    const { dir } = await enroll('agent-h-6');
    const o = io();
    expect(await agentCommand(args(dir, { port: '70000' }), o, { daemon: daemon(1) })).toBe(1);
    expect(o.err).toMatch(/^rapki: flag_value_invalid: --port must be 0\.\.65535/m);
    const o2 = io();
    expect(await agentCommand(args(dir, { 'key-type': 'dsa' }), o2, { daemon: daemon(1) })).toBe(1);
    expect(o2.err).toMatch(/^rapki: key_type_invalid: /m);
  });

  it('--serve answers IMDSv2 requests with credentials made with the renewed certificate (empty chain.pem: no chain sent)', async () => {
    const { dir } = await enroll('agent-h-serve');
    expect(await readFile(join(dir, 'chain.pem'), 'utf8')).toBe('');
    const verifier = await startLoopbackVerifier({ trustedRootsPem: await readFile(ca.rootPem, 'utf8') });
    const o = io();
    const env = { ...o.env, AWS_CA_BUNDLE: verifier.caFile };
    const d = daemon(1);
    let served: { role: string; creds: Record<string, unknown> } | undefined;
    const get = (url: string, method: string, headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const req = request(url, { method, headers }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        });
        req.on('error', reject);
        req.end();
      });
    const realSleep = d.sleep;
    const withRequests: DaemonEnv = {
      ...d,
      sleep: async (ms, signal) => {
        // While the agent waits for the next renewal: ask its endpoint like an SDK would.
        const base = String(o.entries().find((e) => e.msg === 'serving credentials')!.endpoint);
        const token = await get(`${base}latest/api/token`, 'PUT', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
        const role = (await get(`${base}latest/meta-data/iam/security-credentials/`, 'GET', { 'x-aws-ec2-metadata-token': token })).trim();
        const creds = JSON.parse(await get(`${base}latest/meta-data/iam/security-credentials/${role}`, 'GET', { 'x-aws-ec2-metadata-token': token })) as Record<
          string,
          unknown
        >;
        served = { role, creds };
        await realSleep(ms, signal);
      },
    };
    try {
      const code = await agentCommand(
        args(dir, { serve: true, port: '0' }),
        { ...o, env },
        {
          daemon: withRequests,
          signerValues: {
            'trust-anchor-arn': 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a',
            'profile-arn': 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b',
            'role-arn': 'arn:aws:iam::123456789012:role/agent-serve',
            endpoint: verifier.url,
          },
        },
      );
      expect(code, o.err).toBe(0);
      expect(served?.role).toBe('agent-serve');
      expect(served?.creds).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC' });
      expect(typeof served?.creds.AccessKeyId).toBe('string');
      expect(verifier.requests.length).toBeGreaterThanOrEqual(1);
      expect(verifier.requests.every((r) => r.verdict === 'ok')).toBe(true);
      expect(verifier.requests[0]!.headers['x-amz-x509-chain']).toBeUndefined();
      const msgs = o.entries().map((e) => e.msg);
      expect(msgs.indexOf('serving credentials')).toBeLessThan(msgs.indexOf('renewed'));
      expect(msgs.at(-1)).toBe('stopped');
      expect(o.err).not.toMatch(/SecretAccessKey|SessionToken|BEGIN/);
    } finally {
      await verifier.close();
    }
  });

  it('--serve without the credential flags fails at start with the missing flag named', async () => {
    const { dir } = await enroll('agent-h-7');
    const o = io();
    expect(await agentCommand(args(dir, { serve: true, port: '0' }), o, { daemon: daemon(1), signerValues: {} })).toBe(1);
    expect(o.err).toMatch(/trust-anchor-arn/);
  });
});

describe('rapki host unblock', () => {
  it('lets a host revoked with cert revoke --host enroll again', async () => {
    await enroll('agent-h-blocked');
    const rev = await runCli(['cert', 'revoke', '--host', 'agent-h-blocked'], { env: adminEnv });
    expect(rev.code, fail(rev)).toBe(0);
    const t1 = await runCli(['token', 'create', '--subject', 'agent-h-blocked', '--json'], { env: adminEnv });
    expect(t1.code, fail(t1)).toBe(0);
    const blocked = await runCli(['enroll', '--out', join(tmp, 'blocked-again')], {
      env: { ...adminEnv, RAPKI_ENROLL_TOKEN: (JSON.parse(t1.out) as { token: string }).token },
    });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/^rapki: host_blocked: /m);

    const un = await runCli(['host', 'unblock', 'agent-h-blocked', '--json'], { env: adminEnv });
    expect(un.code, fail(un)).toBe(0);
    expect(JSON.parse(un.out)).toEqual({ host: 'agent-h-blocked', blocked: false });
    const again = await runCli(['host', 'unblock', 'agent-h-blocked'], { env: adminEnv });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^rapki: host_not_found: /m);

    await enroll('agent-h-blocked');
  });

  it('needs the admin token and a sane name', async () => {
    const noToken = await runCli(['host', 'unblock', 'x'], { env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^rapki: [a-z_]+: .*admin token/im);
    const long = await runCli(['host', 'unblock', 'x'.repeat(65)], { env: adminEnv });
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/^rapki: flag_value_invalid: host name must be 1–64 characters/m);
  });
});
