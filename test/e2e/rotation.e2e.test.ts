/**
 * CA rotation without downtime (docs/rotation.md), through real processes: `rapki emulator` (Roles
 * Anywhere + STS), `rapki ca serve`, `rapki aws register`, three hosts enrolled with 75-second
 * certificates and kept fresh by real `rapki agent` processes, and a CreateSession for every host
 * every second (the signer in-process, reading the files the agents replace) for the whole time
 * `rapki ca rotate plan`, `start` and `finish --wait` run. Every CreateSession must succeed; after
 * finish a leaf of the old CA is refused, the hosts renew into the new chain over the server's new
 * TLS certificate and their ca.pem holds only the new root.
 *
 * The second test kills the CA server with SIGKILL in the middle of `start` and of `finish`, and
 * the CLI in the middle of `start`: re-running the same command resumes and completes.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../signer/src/keys/load-key-signer.js';
import { createSession } from '../../signer/src/session/create-session.js';
import { RAPKI_BIN, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { withCaStore } from '../support/ca-store.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-rotation';
const CERT_TTL = '75s';
const HOSTS = ['rot-a', 'rot-b', 'rot-c'];
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Registered {
  trustAnchorArn: string;
  profileArn: string;
}

interface EmulatorView {
  bundle: string[];
  crls: { crlArn: string; enabled: boolean }[];
}

/** What the emulator holds for the trust anchor: bundle certificates (PEM) and CRLs. */
async function emulatorView(emu: EmulatorProcess, taArn: string): Promise<EmulatorView> {
  const { createControlPlane } = await import('../../common/src/aws/control-plane.js');
  const cp = createControlPlane({
    region: 'us-east-1',
    endpoint: emu.url,
    maxAttempts: 1,
    credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  });
  try {
    const ta = await cp.getTrustAnchor(taArn.slice(taArn.lastIndexOf('/') + 1));
    const bundle = (ta.x509CertificateData ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    const crls = (await cp.listCrls()).filter((c) => c.trustAnchorArn === taArn).map((c) => ({ crlArn: c.crlArn, enabled: c.enabled }));
    return { bundle, crls };
  } finally {
    cp.close();
  }
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

function rootsIn(file: string): string[] {
  return (readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(fingerprintOf);
}

async function attemptSession(dir: string, reg: Registered, endpoint: string): Promise<{ ok: boolean; error?: string; issuer?: string }> {
  // The agent swaps certificate.pem atomically; read it twice to be sure the pair is consistent.
  for (let i = 0; i < 3; i++) {
    const before = readFileSync(join(dir, 'certificate.pem'), 'utf8');
    const signer = await loadKeySigner({ certificate: join(dir, 'certificate.pem'), privateKey: join(dir, 'private-key.pem') });
    if (readFileSync(join(dir, 'certificate.pem'), 'utf8') !== before) continue;
    try {
      await createSession(signer, { ...reg, roleArn: ROLE, region: 'us-east-1', endpoint, maxAttempts: 1, timeoutMs: 5000, durationSeconds: 900 }, { env: {} });
      return { ok: true, issuer: new X509Certificate(before).fingerprint256 };
    } catch (err) {
      return { ok: false, error: `${(err as { code?: string }).code}: ${(err as Error).message}` };
    }
  }
  return { ok: false, error: 'certificate kept changing while read' };
}

describe('CA rotation without downtime', () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let ca: CaServerProcess;
  let adminEnv: Record<string, string>;
  let reg: Registered;
  const agents: ReturnType<typeof spawn>[] = [];

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-e2e-rotation-');
    emu = await startEmulatorProcess();
    ca = await startCaServerProcess({ env: { ...TEST_AWS_ENV } });
    adminEnv = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const r = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: adminEnv, timeoutMs: 60_000 });
    expect(r.code, fail(r)).toBe(0);
    reg = JSON.parse(r.out) as Registered;
  }, 90_000);

  afterAll(async () => {
    for (const a of agents) if (a.exitCode === null) a.kill('SIGKILL');
    await ca?.dispose();
    await emu?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('every CreateSession succeeds through plan, start and finish; afterwards the old CA is refused', async () => {
    // Hosts: enroll with the fingerprint, then a real agent each (trusting ca.pem, as after enroll).
    for (const h of HOSTS) {
      const tok = await runCli(['token', 'create', '--subject', h, '--cert-ttl', CERT_TTL, '--json'], { env: adminEnv });
      expect(tok.code, fail(tok)).toBe(0);
      const token = (JSON.parse(tok.out) as { token: string }).token;
      const enr = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', join(tmp, h)], {
        env: { RAPKI_ENROLL_TOKEN: token },
      });
      expect(enr.code, fail(enr)).toBe(0);
      expect(rootsIn(join(tmp, h, 'ca.pem'))).toEqual([ca.fingerprint]);
    }
    const oldLeaf = join(tmp, 'old-leaf');
    mkdirSync(oldLeaf);
    copyFileSync(join(tmp, HOSTS[0]!, 'certificate.pem'), join(oldLeaf, 'certificate.pem'));
    copyFileSync(join(tmp, HOSTS[0]!, 'private-key.pem'), join(oldLeaf, 'private-key.pem'));

    const agentLogs: string[] = HOSTS.map(() => '');
    HOSTS.forEach((h, i) => {
      const dir = join(tmp, h);
      const child = spawn(
        process.execPath,
        [RAPKI_BIN, 'agent', '--ca-url', ca.url, '--certificate', join(dir, 'certificate.pem'), '--private-key', join(dir, 'private-key.pem'), '--reuse-key'],
        // rot-b pins the root fingerprint the way docs/host.md's agent.env does; the others trust ca.pem.
        {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(i === 1 ? { RAPKI_CA_FINGERPRINT: ca.fingerprint } : {}) },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      child.stderr!.on('data', (b: Buffer) => (agentLogs[i] += b.toString()));
      agents.push(child);
    });

    // CreateSession for every host every second, for the whole rotation.
    const attempts: { host: string; at: number; ok: boolean; error?: string }[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const t = Date.now();
        await Promise.all(
          HOSTS.map(async (h) => {
            const r = await attemptSession(join(tmp, h), reg, emu.url);
            attempts.push({ host: h, at: t, ok: r.ok, error: r.error });
          }),
        );
        await sleep(Math.max(0, 1000 - (Date.now() - t)));
      }
    })();

    try {
      await sleep(2000);
      // plan: steps, dates, overlap from the longest valid leaf lifetime (75 s).
      const plan = await runCli(['ca', 'rotate', 'plan', '--json'], { env: adminEnv });
      expect(plan.code, fail(plan)).toBe(0);
      const p = JSON.parse(plan.out) as {
        phase: string;
        longestLeafLifetimeSeconds: number;
        overlapSeconds: number;
        pendingLeaves: number;
        steps: { name: string }[];
      };
      expect(p.phase).toBe('idle');
      expect(p.longestLeafLifetimeSeconds).toBe(75);
      expect(p.overlapSeconds).toBeGreaterThanOrEqual(75);
      expect(p.pendingLeaves).toBe(3);
      expect(p.steps.map((s) => s.name)).toEqual(['generate', 'publish', 'crl', 'switch', 'drain', 'finish']);
      const planText = await runCli(['ca', 'rotate', 'plan'], { env: adminEnv });
      expect(planText.out).toMatch(/overlap: \d+ s/);

      // start: two-certificate bundle, two CRLs, new leaves from the new CA.
      const t0 = Date.now();
      const st = await runCli(['ca', 'rotate', 'start', '--json'], { env: adminEnv, timeoutMs: 120_000 });
      expect(st.code, fail(st)).toBe(0);
      const startMs = Date.now() - t0;
      const started = JSON.parse(st.out) as { issuing: string; state: { phase: string }; next: { rootFingerprint: string } };
      expect(started.issuing).toBe('new');
      expect(started.state.phase).toBe('active');
      const newFp = started.next.rootFingerprint;
      expect(newFp).not.toBe(ca.fingerprint);
      const during = await emulatorView(emu, reg.trustAnchorArn);
      expect(during.bundle.map(fingerprintOf).sort()).toEqual([ca.fingerprint, newFp].sort());
      expect(during.crls).toHaveLength(2);
      expect(during.crls.every((c) => c.enabled)).toBe(true);

      // Registering again during the overlap keeps both certificates in the bundle.
      const rereg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: adminEnv, timeoutMs: 60_000 });
      expect(rereg.code, fail(rereg)).toBe(0);
      expect((await emulatorView(emu, reg.trustAnchorArn)).bundle).toHaveLength(2);

      // GET /v1/ca carries both roots.
      const caInfo = await fetchJson(`${ca.url}/v1/ca`);
      expect((caInfo.roots as string[]).map(fingerprintOf)).toEqual([newFp, ca.fingerprint]);

      // finish --wait: returns once every old leaf has been renewed by its agent (or expired).
      const t1 = Date.now();
      const fin = await runCli(['ca', 'rotate', 'finish', '--wait', '--json'], { env: adminEnv, timeoutMs: 150_000 });
      expect(fin.code, fail(fin)).toBe(0);
      const drainMs = Date.now() - t1;
      const finished = JSON.parse(fin.out) as { current: { rootFingerprint: string }; state: { phase: string } };
      expect(finished.current.rootFingerprint).toBe(newFp);
      const after = await emulatorView(emu, reg.trustAnchorArn);
      expect(after.bundle.map(fingerprintOf)).toEqual([newFp]);
      expect(after.crls).toHaveLength(1);
      // Every host renewed into the new chain during the overlap: ca.pem held both roots.
      for (const h of HOSTS)
        expect(new X509Certificate(readFileSync(join(tmp, h, 'certificate.pem'))).checkIssued(new X509Certificate((caInfo.roots as string[])[0]!))).toBe(true);

      // The old CA's leaf is refused by Roles Anywhere now.
      const old = await attemptSession(oldLeaf, reg, emu.url);
      expect(old.ok).toBe(false);
      expect(old.error).toMatch(/untrusted|not trusted|Untrusted/i);

      // Admin commands pin the new root from now on; hosts renew again, now over the new TLS chain.
      adminEnv.RAPKI_CA_FINGERPRINT = newFp;
      const renewedAfter = (h: string): boolean => rootsIn(join(tmp, h, 'ca.pem')).length === 1 && rootsIn(join(tmp, h, 'ca.pem'))[0] === newFp;
      const deadline = Date.now() + 90_000;
      while (!HOSTS.every(renewedAfter) && Date.now() < deadline) await sleep(1000);
      expect(
        HOSTS.filter((h) => !renewedAfter(h)),
        agentLogs.join('\n'),
      ).toEqual([]);
      // `rapki aws status` finds the anchor under the new fingerprint (re-tagged at finish): no drift.
      const aws = await runCli(['aws', 'status', '--json', '--endpoint', emu.url], { env: adminEnv, timeoutMs: 30_000 });
      expect(aws.code, fail(aws)).toBe(0);
      const awsStatus = JSON.parse(aws.out) as { registered: boolean; drift: boolean; trustAnchors: { trustAnchorArn: string; matchesCa: boolean }[] };
      expect(awsStatus.registered).toBe(true);
      expect(awsStatus.trustAnchors).toEqual([expect.objectContaining({ trustAnchorArn: reg.trustAnchorArn, matchesCa: true })]);
      expect(awsStatus.drift, aws.out).toBe(false);
      const status = await runCli(['ca', 'rotate', 'status', '--json'], { env: adminEnv });
      expect(status.code, fail(status)).toBe(0);
      expect((JSON.parse(status.out) as { state?: unknown }).state).toBeUndefined();

      console.log(`rotation e2e: start ${startMs} ms, drain+finish ${drainMs} ms, ${attempts.length} CreateSession attempts`);
    } finally {
      stop = true;
      await loop;
    }
    const failed = attempts.filter((a) => !a.ok);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(attempts.length).toBeGreaterThan(HOSTS.length * 60);
    for (const a of agents) expect(a.exitCode, agentLogs.join('\n')).toBeNull();
    // Audit: the rotation steps are in the hash-chained log.
    const audit = JSON.stringify(await fetchJson(`${ca.url}/v1/admin/audit?limit=500`, ca.adminToken));
    for (const action of ['rotation.start', 'rotation.generate', 'rotation.publish', 'rotation.crl', 'rotation.switch', 'rotation.retire', 'rotation.finish']) {
      expect(audit).toContain(`"${action}"`);
    }
  }, 240_000);

  it('a crash (SIGKILL of the server or of the CLI) between steps leaves a state that `rapki ca rotate` resumes', async () => {
    // Its own CA, registered on the same emulator, pausing 700 ms after each persisted step.
    let srv = await startCaServerProcess({ env: { ...TEST_AWS_ENV, RAPKI_ROTATION_STEP_DELAY_MS: '700' } });
    const env = { ...TEST_AWS_ENV, RAPKI_CA_URL: srv.url, RAPKI_CA_FINGERPRINT: srv.fingerprint, RAPKI_ADMIN_TOKEN: srv.adminToken };
    try {
      const r = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env, timeoutMs: 60_000 });
      expect(r.code, fail(r)).toBe(0);
      const ta = (JSON.parse(r.out) as Registered).trustAnchorArn;
      const tok = await runCli(['token', 'create', '--subject', 'crash-host', '--cert-ttl', '1h', '--json'], { env });
      const token = (JSON.parse(tok.out) as { token: string }).token;
      const enr = await runCli(['enroll', '--ca-url', srv.url, '--ca-fingerprint', srv.fingerprint, '--out', join(tmp, 'crash-host')], {
        env: { RAPKI_ENROLL_TOKEN: token },
      });
      expect(enr.code, fail(enr)).toBe(0);
      // The rotation state as the store holds it (read the way every command reads the CA's store).
      const state = (): Promise<{ phase: string; done: string[] } | undefined> =>
        withCaStore(srv.dir, async (s) => (await s.getCaState()).rotation?.state as { phase: string; done: string[] } | undefined);
      const waitFor = async (pred: (s: Awaited<ReturnType<typeof state>>) => boolean, what: string): Promise<void> => {
        const end = Date.now() + 30_000;
        for (;;) {
          const s = await state();
          if (pred(s)) return;
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}; state ${JSON.stringify(s)}`);
          await sleep(10);
        }
      };
      const cli = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runCli(['ca', 'rotate', ...args], { env, timeoutMs });

      // 1. Server killed in `start` after the bundle step, before the CRL step.
      const starting = cli(['start']);
      await waitFor((s) => !!s?.done.some((d) => d.startsWith('publish:')), 'the publish step');
      srv.child.kill('SIGKILL');
      expect((await starting).code).not.toBe(0);
      expect((await state())?.phase).toBe('preparing');
      srv = await srv.restart();
      env.RAPKI_CA_URL = srv.url;
      const st1 = await cli(['status', '--json']);
      expect(st1.code, fail(st1)).toBe(0);
      expect((JSON.parse(st1.out) as { state: { phase: string }; issuing: string }).issuing).toBe('old');
      const resumed = await cli(['start', '--json']);
      expect(resumed.code, fail(resumed)).toBe(0);
      const newFp = (JSON.parse(resumed.out) as { next: { rootFingerprint: string } }).next.rootFingerprint;
      expect((await state())?.phase).toBe('active');
      let view = await emulatorView(emu, ta);
      expect(view.bundle.map(fingerprintOf).sort()).toEqual([srv.fingerprint, newFp].sort());
      expect(view.crls).toHaveLength(2);

      // 2. finish refuses while a leaf of the old CA is valid (1 h certificate), unless forced.
      const refused = await cli(['finish']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/rotation_not_drained/);

      // 3. Server killed in `finish --force` once the phase is "finishing".
      const finishing = cli(['finish', '--force']);
      await waitFor((s) => s?.phase === 'finishing', 'the finishing phase');
      srv.child.kill('SIGKILL');
      expect((await finishing).code).not.toBe(0);
      srv = await srv.restart();
      env.RAPKI_CA_URL = srv.url;
      const fin = await cli(['finish', '--json']);
      expect(fin.code, fail(fin)).toBe(0);
      expect(await state()).toBeUndefined();
      view = await emulatorView(emu, ta);
      expect(view.bundle.map(fingerprintOf)).toEqual([newFp]);
      expect(view.crls).toHaveLength(1);
      expect(await withCaStore(srv.dir, async (s) => (await s.getCaState()).config?.rootId)).toBe(newFp);
      // The copy of the root for distribution follows the CA.
      expect(fingerprintOf(readFileSync(join(srv.dir, 'root.pem'), 'utf8'))).toBe(newFp);
      // The server keeps serving as the new CA after a restart.
      srv = await srv.restart();
      env.RAPKI_CA_URL = srv.url;
      expect(srv.fingerprint).toBe(newFp);
      env.RAPKI_CA_FINGERPRINT = newFp;

      // 4. A second rotation; the CLI killed during `start` (the server goes on); start again is a no-op; abort.
      const cliStart = spawn(process.execPath, [RAPKI_BIN, 'ca', 'rotate', 'start'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      });
      await waitFor((s) => !!s?.done.includes('generate'), 'the generate step');
      cliStart.kill('SIGKILL');
      await waitFor((s) => s?.phase === 'active', 'the server to complete start');
      const again = await cli(['start', '--json']);
      expect(again.code, fail(again)).toBe(0);
      expect(again.out).toContain('already active');
      const ab = await cli(['abort', '--force', '--json']);
      expect(ab.code, fail(ab)).toBe(0);
      expect((JSON.parse(ab.out) as { completed: boolean }).completed).toBe(true);
      view = await emulatorView(emu, ta);
      expect(view.bundle.map(fingerprintOf)).toEqual([newFp]);
      expect(view.crls).toHaveLength(1);
      expect(await state()).toBeUndefined();
    } finally {
      await srv.dispose();
    }
  }, 180_000);
});

async function fetchJson(url: string, bearer?: string): Promise<Record<string, unknown>> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(JSON.parse(b) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.end();
  });
}
