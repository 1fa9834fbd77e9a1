/**
 * A rotation must never bring a revoked certificate back, and an emergency rotation must end trust
 * in a stolen issuer key (docs/rotation.md "After finish", "Emergency rotation"). Real processes
 * only: `rapki emulator` (Roles Anywhere), `rapki ca serve` with an intermediate CA, `rapki aws
 * register` (the trust anchor holds the root, the default), `rapki enroll`/`renew`, `rapki cert
 * revoke`, `rapki ca rotate`, and `rapki credential-process` as the host runs it. openssl reads
 * the CRLs Roles Anywhere holds.
 *
 * 1. finish: a leaf of the old intermediate revoked before the rotation stays refused after
 *    `finish`; a leaf of the old intermediate revoked AFTER finish is refused within seconds, also
 *    after the CA server restarted.
 * 2. abort: a revoked leaf of the new intermediate stays refused after `abort`.
 * 3. emergency: a leaf minted with a copy of the old intermediate's key (never seen by the CA) gets
 *    credentials until `rotate start --emergency`, and is refused from then on, through `finish`
 *    and a restart, by the anchor that holds the root and by the one that held the intermediate.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caStateOf } from '../support/ca-store.js';
import { decryptCaKey } from '../../ca-server/src/keys/key-encryption.js';
import { createControlPlane } from '../../common/src/aws/control-plane.js';
import type { RolesAnywhereControlPlane } from '../../common/src/aws/types.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import { issuerFrom, makeLeaf } from '../support/emulator-pki.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-rotation-revocation';
/** How long a revocation may take to reach CreateSession (docs/aws.md: about a second; generous for a loaded machine). */
const REVOCATION_BOUND_MS = 15_000;
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Anchor {
  trustAnchorArn: string;
  profileArn: string;
}

interface Host {
  cert: string;
  key: string;
  chain: string;
}

const hostIn = (dir: string): Host => ({ cert: join(dir, 'certificate.pem'), key: join(dir, 'private-key.pem'), chain: join(dir, 'chain.pem') });

function serialOf(certFile: string): string {
  return spawnSync('openssl', ['x509', '-noout', '-serial', '-in', certFile])
    .stdout.toString()
    .trim()
    .replace(/^serial=/, '');
}

/** openssl: the serials a PEM CRL lists (canonical lower-case hex), the issuer, and whether it verifies under `caFile`. */
function readCrl(dir: string, pem: string, caFile?: string): { serials: string[]; verified: boolean; text: string } {
  const f = join(dir, `held-${Math.random().toString(16).slice(2)}.crl`);
  writeFileSync(f, pem);
  const text = spawnSync('openssl', ['crl', '-in', f, '-noout', '-text']).stdout.toString();
  const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1]!.toLowerCase().replace(/^0+/, ''));
  let verified = false;
  if (caFile) {
    const v = spawnSync('openssl', ['crl', '-in', f, '-noout', '-CAfile', caFile]);
    verified = v.status === 0 && /verify OK/.test(`${v.stdout}${v.stderr}`);
  }
  return { serials, verified, text };
}
const canon = (serial: string): string => serial.toLowerCase().replace(/^0+/, '');

describe('rotation keeps revocations in force (real processes)', () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let cp: RolesAnywhereControlPlane;
  const servers: CaServerProcess[] = [];

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-e2e-rotrev-');
    emu = await startEmulatorProcess();
    cp = createControlPlane({
      region: 'us-east-1',
      endpoint: emu.url,
      maxAttempts: 1,
      credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
  }, 60_000);

  afterAll(async () => {
    cp?.close();
    for (const s of servers) await s.dispose();
    await emu?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  /** Restarts a server on its directory; the new process replaces the old one in the cleanup list. */
  async function restarted(srv: CaServerProcess): Promise<CaServerProcess> {
    const next = await srv.restart();
    servers[servers.indexOf(srv)] = next;
    return next;
  }

  /** A CA server with an intermediate, registered (anchor holds the root) with the emulator. */
  async function caWithAnchor(): Promise<{ srv: CaServerProcess; env: Record<string, string>; anchor: Anchor }> {
    const srv = await startCaServerProcess({ intermediate: true, env: { ...TEST_AWS_ENV } });
    servers.push(srv);
    const env = { ...TEST_AWS_ENV, RAPKI_CA_URL: srv.url, RAPKI_CA_FINGERPRINT: srv.fingerprint, RAPKI_ADMIN_TOKEN: srv.adminToken };
    const r = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env, timeoutMs: 60_000 });
    expect(r.code, fail(r)).toBe(0);
    return { srv, env, anchor: JSON.parse(r.out) as Anchor };
  }

  async function enroll(env: Record<string, string>, srv: CaServerProcess, name: string, dir = join(tmp, `${name}-${servers.length}`)): Promise<Host> {
    const tok = await runCli(['token', 'create', '--subject', name, '--cert-ttl', '1h', '--json'], { env });
    expect(tok.code, fail(tok)).toBe(0);
    const token = (JSON.parse(tok.out) as { token: string }).token;
    const enr = await runCli(['enroll', '--ca-url', srv.url, '--ca-fingerprint', srv.fingerprint, '--out', dir], { env: { RAPKI_ENROLL_TOKEN: token } });
    expect(enr.code, fail(enr)).toBe(0);
    return hostIn(dir);
  }

  /** A copy of a host's files as they are now (the host will renew over the originals). */
  function snapshot(h: Host, name: string): Host {
    const dir = join(tmp, `snap-${name}-${Math.random().toString(16).slice(2)}`);
    mkdirSync(dir);
    for (const f of [h.cert, h.key, h.chain]) cpSync(f, join(dir, f.slice(f.lastIndexOf('/') + 1)));
    return hostIn(dir);
  }

  /** `rapki credential-process` as the host's AWS SDK runs it. */
  async function credentials(h: Host, a: Anchor, chainFile = h.chain): Promise<{ ok: boolean; detail: string }> {
    const r = await runCli(
      [
        'credential-process',
        '--certificate',
        h.cert,
        '--private-key',
        h.key,
        '--intermediates',
        chainFile,
        '--trust-anchor-arn',
        a.trustAnchorArn,
        '--profile-arn',
        a.profileArn,
        '--role-arn',
        ROLE,
        '--endpoint',
        emu.url,
      ],
      { timeoutMs: 30_000 },
    );
    if (r.code === 0) expect(JSON.parse(r.out)).toMatchObject({ Version: 1 });
    return { ok: r.code === 0, detail: r.stderr.trim() };
  }

  /** Polls CreateSession until it is refused; returns how long that took. */
  async function refusedWithin(h: Host, a: Anchor, ms = REVOCATION_BOUND_MS): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const r = await credentials(h, a);
      if (!r.ok) {
        expect(r.detail).toMatch(/revoked/i);
        return Date.now() - t0;
      }
      if (Date.now() - t0 > ms) throw new Error(`still getting credentials ${ms} ms after the revocation`);
      await sleep(200);
    }
  }

  async function revoke(env: Record<string, string>, certFile: string): Promise<void> {
    const r = await runCli(['cert', 'revoke', serialOf(certFile), '--reason', 'keyCompromise'], { env });
    expect(r.code, fail(r)).toBe(0);
  }

  async function rotate(env: Record<string, string>, args: string[]): Promise<Record<string, unknown>> {
    const r = await runCli(['ca', 'rotate', ...args, '--json'], { env, timeoutMs: 120_000 });
    expect(r.code, fail(r)).toBe(0);
    return JSON.parse(r.out) as Record<string, unknown>;
  }

  async function crlsHeld(a: Anchor): Promise<{ crlArn: string; enabled: boolean; pem: string }[]> {
    const out = [];
    for (const c of (await cp.listCrls()).filter((x) => x.trustAnchorArn === a.trustAnchorArn)) {
      out.push({ crlArn: c.crlArn, enabled: c.enabled, pem: Buffer.from((await cp.getCrl(c.crlId)).crlData).toString() });
    }
    return out;
  }

  it('finish: a revoked leaf of the old intermediate stays refused; revocations after finish and after a restart reach Roles Anywhere', async () => {
    const { srv: srv0, env, anchor } = await caWithAnchor();
    let srv = srv0;
    const oldInter = join(tmp, 'fin-old-inter.pem');
    writeFileSync(oldInter, readFileSync(join(srv.dir, 'intermediate.pem')));
    const revoked = await enroll(env, srv, 'fin-revoked');
    const keep = await enroll(env, srv, 'fin-keep');
    const late = await enroll(env, srv, 'fin-late');
    expect((await credentials(revoked, anchor)).ok).toBe(true);
    await revoke(env, revoked.cert);
    await refusedWithin(revoked, anchor);
    const keepOld = snapshot(keep, 'keep');
    const lateOld = snapshot(late, 'late');

    await rotate(env, ['start']);
    for (const h of [keep, late]) {
      const r = await runCli(['renew', '--ca-url', srv.url, '--certificate', h.cert, '--private-key', h.key], { env: {} });
      expect(r.code, fail(r)).toBe(0);
    }
    const fin = await rotate(env, ['finish']);

    // The revoked old leaf is still refused; the renewed hosts work.
    const after = await credentials(revoked, anchor);
    expect(after.ok, 'a revoked certificate of the old intermediate got credentials after finish').toBe(false);
    expect(after.detail).toMatch(/revoked/i);
    expect(fin.retainedCrls).toEqual([expect.objectContaining({ kind: 'retired' })]);
    expect((await credentials(keep, anchor)).ok).toBe(true);
    // Roles Anywhere holds two enabled CRLs; openssl: one is the old intermediate's and lists the revoked leaf.
    const held = await crlsHeld(anchor);
    expect(held).toHaveLength(2);
    expect(held.every((c) => c.enabled)).toBe(true);
    const old = held.map((c) => readCrl(tmp, c.pem, oldInter)).find((c) => c.verified);
    expect(old?.serials).toContain(canon(serialOf(revoked.cert)));

    // An old-CA leaf revoked after finish (keep's previous certificate, still valid) is refused within the bound.
    expect((await credentials(keepOld, anchor)).ok).toBe(true);
    await revoke(env, keepOld.cert);
    const ms = await refusedWithin(keepOld, anchor);
    // And after the CA server restarted (the kept CRL is loaded again, with its key).
    srv = await restarted(srv);
    env.RAPKI_CA_URL = srv.url;
    expect((await credentials(revoked, anchor)).ok).toBe(false);
    expect((await credentials(lateOld, anchor)).ok).toBe(true);
    await revoke(env, lateOld.cert);
    const msAfterRestart = await refusedWithin(lateOld, anchor);
    const kept = (await crlsHeld(anchor)).map((c) => readCrl(tmp, c.pem, oldInter)).find((c) => c.verified);
    expect(kept?.serials).toEqual(expect.arrayContaining([canon(serialOf(revoked.cert)), canon(serialOf(keepOld.cert)), canon(serialOf(lateOld.cert))]));
    console.log(`old-CA revocation after finish refused after ${ms} ms; after a restart ${msAfterRestart} ms`);
  }, 240_000);

  it('abort: a revoked leaf of the new intermediate stays refused after abort', async () => {
    const { srv, env, anchor } = await caWithAnchor();
    await enroll(env, srv, 'ab-old');
    await rotate(env, ['start']);
    const fresh = await enroll(env, srv, 'ab-new');
    const newInter = join(tmp, 'ab-new-inter.pem');
    writeFileSync(newInter, readFileSync(fresh.chain));
    expect((await credentials(fresh, anchor)).ok).toBe(true);
    await revoke(env, fresh.cert);
    await refusedWithin(fresh, anchor);
    const ab = await rotate(env, ['abort']);
    expect(ab.completed).toBe(true);
    const after = await credentials(fresh, anchor);
    expect(after.ok, 'a revoked certificate of the aborted intermediate got credentials after abort').toBe(false);
    const kept = (await crlsHeld(anchor)).map((c) => readCrl(tmp, c.pem, newInter)).find((c) => c.verified);
    expect(kept?.serials).toContain(canon(serialOf(fresh.cert)));
  }, 180_000);

  it('emergency: a leaf minted with a copy of the old intermediate key is refused from start --emergency on, through finish and a restart', async () => {
    const { srv, env, anchor } = await caWithAnchor();
    // A second trust anchor that holds the intermediate itself, registered for CRL sync.
    const oldInterPem = readFileSync(join(srv.dir, 'intermediate.pem'), 'utf8');
    const ta = await cp.createTrustAnchor({ name: 'rapki-e2e-inter-anchor', bundlePem: oldInterPem, enabled: true, tags: [] });
    const interAnchor: Anchor = { trustAnchorArn: ta.trustAnchorArn, profileArn: anchor.profileArn };
    const added = await adminPost(srv, '/v1/admin/aws/sync-targets', { trustAnchorArn: ta.trustAnchorArn, region: 'us-east-1', endpoint: emu.url });
    expect(added.status).toBe(201);

    // The attacker copied the old intermediate's key (and knows the passphrase) and mints a leaf the CA never sees.
    const stolen = join(tmp, 'stolen');
    mkdirSync(stolen);
    const stolenKey = (await caStateOf(srv.dir)).issuingKey!.value;
    const keyPem = decryptCaKey(stolenKey, TEST_CA_PASSPHRASE).export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(join(stolen, 'inter.key'), keyPem, { mode: 0o600 });
    writeFileSync(join(stolen, 'inter.pem'), oldInterPem);
    const leaf = makeLeaf(issuerFrom(join(stolen, 'ca'), 'stolen', join(stolen, 'inter.pem'), join(stolen, 'inter.key')), {
      cn: 'attacker',
      notAfter: new Date(Date.now() + 3600_000),
    });
    writeFileSync(join(stolen, 'chain.pem'), oldInterPem);
    const evil: Host = { cert: leaf.certPath, key: leaf.keyPath, chain: join(stolen, 'chain.pem') };
    expect((await credentials(evil, anchor)).ok, 'control: the stolen key works before the emergency').toBe(true);
    expect((await credentials(evil, interAnchor)).ok).toBe(true);
    const legit = await enroll(env, srv, 'em-host');

    await rotate(env, ['start', '--emergency']);
    // Refused from this moment: by the root anchor (the intermediate is revoked), by the intermediate
    // anchor (the old intermediate left it).
    const viaRoot = await credentials(evil, anchor);
    expect(viaRoot.ok, 'the stolen intermediate key still gets credentials after start --emergency').toBe(false);
    expect(viaRoot.detail).toMatch(/revoked/i);
    const viaInter = await credentials(evil, interAnchor);
    expect(viaInter.ok).toBe(false);
    expect(viaInter.detail).toMatch(/untrusted/i);
    expect((await credentials(legit, anchor)).ok).toBe(false);
    // openssl: the root anchor holds a CRL signed by the root that lists the old intermediate.
    const rootPem = join(srv.dir, 'root.pem');
    const oldInterSerial = canon(serialOf(join(stolen, 'inter.pem')));
    const rootCrl = (await crlsHeld(anchor)).map((c) => readCrl(tmp, c.pem, rootPem)).find((c) => c.verified);
    expect(rootCrl?.serials).toEqual([oldInterSerial]);
    expect(rootCrl?.text).toContain('CA Compromise');

    // The host re-enrolls from the new intermediate and works with both anchors.
    const back = await enroll(env, srv, 'em-host', join(tmp, 'em-host-again'));
    expect((await credentials(back, anchor)).ok).toBe(true);
    expect((await credentials(back, interAnchor)).ok).toBe(true);

    await rotate(env, ['finish']);
    expect((await credentials(evil, anchor)).ok).toBe(false);
    expect((await credentials(evil, interAnchor)).ok).toBe(false);
    await restarted(srv);
    expect((await credentials(evil, anchor)).ok).toBe(false);
    expect((await credentials(back, anchor)).ok).toBe(true);
    const stillHeld = (await crlsHeld(anchor)).map((c) => readCrl(tmp, c.pem, rootPem)).find((c) => c.verified);
    expect(stillHeld?.serials).toEqual([oldInterSerial]);
  }, 240_000);
});

async function adminPost(srv: CaServerProcess, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      `${srv.url}${path}`,
      {
        method: 'POST',
        ca: readFileSync(srv.rootPem),
        headers: { authorization: `Bearer ${srv.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: b ? (JSON.parse(b) as unknown) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
