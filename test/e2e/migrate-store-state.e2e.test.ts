/**
 * `rapki ca migrate-store` of a SQLite CA that holds more than an inventory (docs/ha.md "Moving a CA
 * to PostgreSQL"): a trust anchor registered for CRL sync (the emulator), a finished rotation whose
 * old intermediate's CRL is kept (its key, its CRL slot), the rotation history; all of it is copied
 * into PostgreSQL in one transaction, the CA then serves from there (real processes), a revocation
 * of a leaf of the retired intermediate reaches its kept CRL in the trust anchor (openssl reads it),
 * and the audit chain verifies across the move.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane } from '../../common/src/aws/control-plane.js';
import { idFromArn } from '../../common/src/aws/arn.js';
import { CRL_SLOTS } from '../../ca-server/src/store/types.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import { withCaStore } from '../support/ca-store.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { POSTGRES_MISSING, startPostgres, type PostgresCluster } from '../support/postgres.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-migrate';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

describe.skipIf(POSTGRES_MISSING !== undefined)('migrate-store of a CA with sync targets, a finished rotation and a kept CRL', { timeout: 300_000 }, () => {
  let pg: PostgresCluster;
  let emu: EmulatorProcess;
  let tmp: string;
  const servers: CaServerProcess[] = [];
  const env = { ...TEST_AWS_ENV, RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE };

  beforeAll(async () => {
    [pg, emu] = await Promise.all([startPostgres(), startEmulatorProcess()]);
    tmp = await makeTempDir('rapki-migrate-state-');
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => {});
    await emu?.dispose();
    await pg?.close();
    if (tmp) await removeTempDir(tmp);
  });

  it('copies every part of the CA state, then serves from PostgreSQL and keeps the retired CRL published', async () => {
    const s = await startCaServerProcess({ intermediate: true, env });
    servers.push(s);
    const admin = { ...env, RAPKI_CA_URL: s.url, RAPKI_CA_FINGERPRINT: s.fingerprint, RAPKI_ADMIN_TOKEN: s.adminToken };
    const reg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: admin, timeoutMs: 60_000 });
    expect(reg.code, fail(reg)).toBe(0);
    const enrollHost = async (h: string) => {
      const t = await runCli(['token', 'create', '--subject', h, '--json'], { env: admin });
      const e = await runCli(['enroll', '--ca-url', s.url, '--ca-fingerprint', s.fingerprint, '--out', join(tmp, h)], {
        env: { RAPKI_ENROLL_TOKEN: (JSON.parse(t.out) as { token: string }).token },
      });
      expect(e.code, fail(e)).toBe(0);
    };
    await enrollHost('old-1');
    await enrollHost('old-2');
    const oldInter = readFileSync(join(s.dir, 'intermediate.pem'), 'utf8');
    for (const args of [['start'], ['finish', '--force']]) {
      const r = await runCli(['ca', 'rotate', ...args, '--json'], { env: admin, timeoutMs: 120_000 });
      expect(r.code, fail(r)).toBe(0);
    }
    await enrollHost('new-1');
    const before = await withCaStore(s.dir, async (st) => ({ state: await st.getCaState(), slots: await st.listCrlSlots() }));
    const retired = before.state.retained[0]!;
    expect(retired).toMatchObject({ kind: 'retired' });
    const keptArn = before.slots.find((x) => x.slot === CRL_SLOTS.retained(retired.issuerId))!.crlArn!;
    expect(await s.stop()).toBe(0);

    const target = `${await pg.createDatabase()}?sslmode=disable`;
    const m = await runCli(['ca', 'migrate-store', '--dir', s.dir, '--to', target, '--json'], { env, timeoutMs: 120_000 });
    expect(m.code, fail(m)).toBe(0);
    const out = JSON.parse(m.out) as { rows: Record<string, number>; auditHead: string };
    expect(out.rows).toMatchObject({
      ca_config: 1,
      ca_keys: 3,
      retained_crls: 1,
      rotation_history: 1,
      sync_targets: 1,
      crl_slots: 2,
      certificates: 3,
      rotation_state: 0,
    });
    // The same state in PostgreSQL, row for row where it matters.
    const after = await withCaStore(s.dir, async (st) => ({
      state: await st.getCaState(),
      slots: await st.listCrlSlots(),
      history: await st.listRotationHistory(),
    }));
    expect(after.state.config).toEqual(before.state.config);
    expect(after.state.certificates).toEqual(before.state.certificates);
    expect(after.state.retained).toEqual(before.state.retained);
    expect(after.slots).toEqual(before.slots);
    expect(after.history.map((h) => h.outcome)).toEqual(['finished']);

    // Serving from PostgreSQL: a revocation of a leaf of the retired intermediate reaches its kept CRL.
    const p = await startCaServerProcess({ dir: s.dir, adminToken: s.adminToken, env });
    servers.push(p);
    const adminP = { ...admin, RAPKI_CA_URL: p.url, RAPKI_CA_FINGERPRINT: p.fingerprint };
    const st = await runCli(['ca', 'rotate', 'status', '--json'], { env: adminP });
    expect((JSON.parse(st.out) as { retainedCrls: { issuerId: string }[] }).retainedCrls.map((r) => r.issuerId)).toEqual([retired.issuerId]);
    const leafSerial = execFileSync('openssl', ['x509', '-noout', '-serial', '-in', join(tmp, 'old-2', 'certificate.pem')])
      .toString()
      .trim()
      .replace(/^serial=/, '');
    const rv = await runCli(['cert', 'revoke', leafSerial, '--reason', 'keyCompromise'], { env: adminP });
    expect(rv.code, fail(rv)).toBe(0);
    const cp = createControlPlane({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
      maxAttempts: 1,
      timeoutMs: 5000,
    });
    try {
      let text = '';
      for (let i = 0; i < 80; i++) {
        const pem = Buffer.from((await cp.getCrl(idFromArn(keptArn))).crlData).toString();
        writeFileSync(join(tmp, 'kept.crl'), pem);
        writeFileSync(join(tmp, 'old-inter.pem'), oldInter);
        text = execFileSync('openssl', ['crl', '-in', join(tmp, 'kept.crl'), '-CAfile', join(tmp, 'old-inter.pem'), '-noout', '-text'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }).toString();
        if (text.toUpperCase().includes(leafSerial.toUpperCase().replace(/^0+/, ''))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(text.toUpperCase()).toContain(leafSerial.toUpperCase().replace(/^0+/, ''));
    } finally {
      cp.close();
    }
    expect(await p.stop()).toBe(0);
    const av = await runCli(['audit', 'verify', '--dir', s.dir, '--expect-head', out.auditHead, '--json'], { env });
    expect(av.code, fail(av)).toBe(0);
  });
});
