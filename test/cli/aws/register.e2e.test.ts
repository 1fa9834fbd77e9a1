/**
 * `rapki aws register|status|crl-push|unregister` as real processes: the built CLI, a real
 * `rapki ca serve` (HTTPS, SQLite) and `rapki emulator` standing in for Roles Anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane } from '../../../common/src/aws/control-plane.js';
import { withCaStore } from '../../support/ca-store.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from './emulator-process.js';

const ROLE_A = 'arn:aws:iam::123456789012:role/rapki-web';
const ROLE_B = 'arn:aws:iam::123456789012:role/rapki-db';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

interface RegisterJson {
  trustAnchorArn: string;
  profileArn: string;
  crlArn: string | null;
  configSnippet: string;
  trustPolicy: { Statement: { Action: string[]; Principal: { Service: string }; Condition: { ArnEquals: Record<string, string> } }[] };
  changes: string[];
  syncTargetId: string | null;
}

interface StatusJson {
  registered: boolean;
  drift: boolean;
  problems: string[];
  caCrlNumber: string;
  trustAnchors: {
    trustAnchorArn: string;
    enabled: boolean;
    matchesCa: boolean;
    updatedAt: string;
    notificationSettings: { event: string; enabled: boolean; threshold?: number }[];
  }[];
  profiles: { profileArn: string; roleArns: string[]; updatedAt: string; acceptRoleSessionName: boolean; durationSeconds: number }[];
  crls: { crlArn: string; enabled: boolean; awsCrlNumber: string; updatedAt: string }[];
  sync: { live: boolean; targets: { id: string; status?: string; pushedNumber?: string }[] };
}

describe('rapki aws (real processes against rapki emulator)', () => {
  let emu: EmulatorProcess;
  let ca: CaServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await startEmulatorProcess();
    ca = await startCaServerProcess({ env: { ...TEST_AWS_ENV } });
    env = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    await emu?.dispose();
  });

  const aws = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(['aws', ...args, '--endpoint', emu.url], { env: { ...env, ...extraEnv }, timeoutMs: 60_000 });

  const register = async (args: string[]): Promise<RegisterJson> => {
    const r = await aws(['register', '--json', ...args]);
    expect(r.code, fail(r)).toBe(0);
    return JSON.parse(r.out) as RegisterJson;
  };

  const status = async (): Promise<StatusJson> => {
    const r = await aws(['status', '--json']);
    expect(r.code, fail(r)).toBe(0);
    return JSON.parse(r.out) as StatusJson;
  };

  let first: RegisterJson;
  let firstStatus: StatusJson;

  it('register creates the trust anchor, profile and enabled CRL, and prints the snippet and trust policy', async () => {
    first = await register(['--role-arn', ROLE_A, '--cert-dir', '/etc/rapki']);
    expect(first.changes).toEqual(expect.arrayContaining(['created trust anchor', 'created profile', 'imported CRL']));
    expect(first.trustAnchorArn).toMatch(/^arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor\/[0-9a-f-]{36}$/);
    expect(first.profileArn).toMatch(/:profile\/[0-9a-f-]{36}$/);
    expect(first.crlArn).toMatch(/:crl\/[0-9a-f-]{36}$/);
    expect(first.syncTargetId).toMatch(/^[0-9a-f]{16}$/);
    const st = first.trustPolicy.Statement[0]!;
    expect(st.Principal.Service).toBe('rolesanywhere.amazonaws.com');
    expect(st.Action.sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession']);
    expect(st.Condition.ArnEquals['aws:SourceArn']).toBe(first.trustAnchorArn);
    expect(first.configSnippet).toContain('[profile rapki-rapki-web]');
    expect(first.configSnippet).toContain(
      `credential_process = rapki credential-process --certificate /etc/rapki/certificate.pem --private-key /etc/rapki/private-key.pem --trust-anchor-arn ${first.trustAnchorArn} --profile-arn ${first.profileArn} --role-arn ${ROLE_A} --region us-east-1 --endpoint ${emu.url}`,
    );

    firstStatus = await status();
    expect(firstStatus.registered).toBe(true);
    expect(firstStatus.drift).toBe(false);
    expect(firstStatus.problems).toEqual([]);
    expect(firstStatus.trustAnchors).toHaveLength(1);
    expect(firstStatus.trustAnchors[0]).toMatchObject({ trustAnchorArn: first.trustAnchorArn, enabled: true, matchesCa: true });
    expect(firstStatus.trustAnchors[0]!.notificationSettings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'CA_CERTIFICATE_EXPIRY', enabled: true, threshold: 90 }),
        expect.objectContaining({ event: 'END_ENTITY_CERTIFICATE_EXPIRY', enabled: false }),
      ]),
    );
    expect(firstStatus.crls).toHaveLength(1);
    expect(firstStatus.crls[0]).toMatchObject({ crlArn: first.crlArn, enabled: true, awsCrlNumber: firstStatus.caCrlNumber });
    expect(firstStatus.sync.live).toBe(true);
    expect(firstStatus.sync.targets).toHaveLength(1);
    expect(firstStatus.sync.targets[0]!.pushedNumber).toBe(firstStatus.caCrlNumber);
  });

  it('register a second time changes nothing (same ARNs, no update, updatedAt untouched)', async () => {
    const again = await register(['--role-arn', ROLE_A, '--cert-dir', '/etc/rapki']);
    expect(again.changes).toEqual([]);
    expect([again.trustAnchorArn, again.profileArn, again.crlArn]).toEqual([first.trustAnchorArn, first.profileArn, first.crlArn]);
    const s = await status();
    expect(s.drift).toBe(false);
    expect(s.trustAnchors.map((t) => t.updatedAt)).toEqual(firstStatus.trustAnchors.map((t) => t.updatedAt));
    expect(s.profiles.map((p) => p.updatedAt)).toEqual(firstStatus.profiles.map((p) => p.updatedAt));
    expect(s.crls.map((c) => c.updatedAt)).toEqual(firstStatus.crls.map((c) => c.updatedAt));
  });

  it('a role added on a later run updates only the profile', async () => {
    const r = await register(['--role-arn', ROLE_A, '--role-arn', ROLE_B]);
    expect(r.changes).toEqual(['updated profile roleArns']);
    expect(r.profileArn).toBe(first.profileArn);
    const s = await status();
    expect(s.profiles[0]!.roleArns.sort()).toEqual([ROLE_B, ROLE_A].sort());
    expect(s.profiles[0]!.updatedAt).not.toBe(firstStatus.profiles[0]!.updatedAt);
    expect(s.trustAnchors[0]!.updatedAt).toBe(firstStatus.trustAnchors[0]!.updatedAt);
    expect(s.crls[0]!.updatedAt).toBe(firstStatus.crls[0]!.updatedAt);
    expect(r.configSnippet).toContain('[profile rapki-rapki-db]');
  });

  it('sets acceptRoleSessionName, duration and attribute mappings through the hand-signed calls', async () => {
    const r = await register([
      '--role-arn',
      ROLE_A,
      '--role-arn',
      ROLE_B,
      '--accept-role-session-name',
      '--session-duration',
      '2h',
      '--attribute-mapping',
      'x509Subject=CN',
    ]);
    expect(r.changes).toEqual(expect.arrayContaining(['set attribute mapping x509Subject']));
    expect(r.changes.some((c) => c.startsWith('updated profile') && c.includes('acceptRoleSessionName') && c.includes('durationSeconds'))).toBe(true);
    const s = await status();
    expect(s.profiles[0]).toMatchObject({ acceptRoleSessionName: true, durationSeconds: 7200 });
    const cp = createControlPlane({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
    try {
      const p = await cp.getProfile(first.profileArn.slice(first.profileArn.lastIndexOf('/') + 1));
      expect(p.attributeMappings.find((m) => m.certificateField === 'x509Subject')?.mappingRules.map((x) => x.specifier)).toEqual(['CN']);
    } finally {
      cp.close();
    }
    const again = await register([
      '--role-arn',
      ROLE_A,
      '--role-arn',
      ROLE_B,
      '--accept-role-session-name',
      '--session-duration',
      '7200',
      '--attribute-mapping',
      'x509Subject=CN',
    ]);
    expect(again.changes).toEqual([]);
  });

  it('crl-push leaves an identical CRL alone, and --force updates and reads it back', async () => {
    const r = await aws(['crl-push', '--json']);
    expect(r.code, fail(r)).toBe(0);
    expect((JSON.parse(r.out) as { pushed: { action: string }[] }).pushed.map((p) => p.action)).toEqual(['unchanged']);
    const f = await aws(['crl-push', '--json', '--force']);
    expect(f.code, fail(f)).toBe(0);
    expect((JSON.parse(f.out) as { pushed: { action: string; crlArn: string }[] }).pushed).toEqual([
      { trustAnchorArn: first.trustAnchorArn, crlArn: first.crlArn, action: 'updated' },
    ]);
  });

  it('--ca-dir reads the CA from its store and records the sync target there (audited as the CA host)', async () => {
    const r = await runCli(
      [
        'aws',
        'register',
        '--json',
        '--ca-dir',
        ca.dir,
        '--endpoint',
        emu.url,
        '--role-arn',
        ROLE_A,
        '--role-arn',
        ROLE_B,
        '--accept-role-session-name',
        '--session-duration',
        '7200',
        '--attribute-mapping',
        'x509Subject=CN',
      ],
      {
        env: { ...TEST_AWS_ENV },
        timeoutMs: 60_000,
      },
    );
    expect(r.code, fail(r)).toBe(0);
    const j = JSON.parse(r.out) as RegisterJson;
    expect(j.changes).toEqual([]);
    expect(j.trustAnchorArn).toBe(first.trustAnchorArn);
    const stored = await withCaStore(ca.dir, async (st) => ({ targets: await st.listSyncTargets(), audit: await st.listAudit(0, 10_000) }));
    expect(stored.targets.map((t) => t.trustAnchorArn)).toEqual([first.trustAnchorArn]);
    // Registered by the server first (an admin): the CA host's register found it there and changed nothing.
    expect(stored.audit.filter((x) => x.action === 'sync_target.add')).toEqual([expect.objectContaining({ actor: expect.stringMatching(/^admin:/) })]);
    const s = await runCli(['aws', 'status', '--ca-dir', ca.dir, '--endpoint', emu.url], { env: { ...TEST_AWS_ENV } });
    expect(s.code, fail(s)).toBe(0);
    expect(s.out).toContain('no drift');
  });

  it('refuses bad input with a coded error', async () => {
    const r = await aws(['register', '--role-arn', 'not-an-arn']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapki: flag_value_invalid: not an IAM role ARN/m);
    const d = await aws(['register', '--role-arn', ROLE_A, '--session-duration', '60']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/flag_value_invalid: --session-duration must be 900/);
    const m = await aws(['register', '--role-arn', ROLE_A, '--attribute-mapping', 'subject=CN']);
    expect(m.stderr).toMatch(/flag_value_invalid: --attribute-mapping/);
  });

  it("unregister deletes only what carries this CA's tags, after a dry run", async () => {
    const cp = createControlPlane({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
    try {
      const { readFileSync } = await import('node:fs');
      const foreign = await cp.createTrustAnchor({
        name: 'not-rapki',
        bundlePem: readFileSync(ca.rootPem, 'utf8'),
        enabled: true,
        tags: [{ key: 'owner', value: 'someone-else' }],
      });
      const dry = await aws(['unregister', '--json']);
      expect(dry.code, fail(dry)).toBe(0);
      const plan = JSON.parse(dry.out) as { dryRun: boolean; trustAnchors: string[]; profiles: string[]; crls: string[] };
      expect(plan).toMatchObject({ dryRun: true, trustAnchors: [first.trustAnchorArn], profiles: [first.profileArn], crls: [first.crlArn] });
      expect((await cp.listTrustAnchors()).length).toBe(2);

      const r = await aws(['unregister', '--yes', '--json']);
      expect(r.code, fail(r)).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ trustAnchors: [first.trustAnchorArn], syncTargetsRemoved: 1 });
      expect((await cp.listTrustAnchors()).map((t) => t.trustAnchorArn)).toEqual([foreign.trustAnchorArn]);
      expect(await cp.listProfiles()).toEqual([]);
      expect(await cp.listCrls()).toEqual([]);
      const s = await aws(['status', '--json', '--check']);
      expect(s.code).toBe(3);
      expect((JSON.parse(s.out) as StatusJson).registered).toBe(false);
    } finally {
      cp.close();
    }
  });
});
