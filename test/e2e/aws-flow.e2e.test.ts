/**
 * The whole Roles Anywhere flow through real processes (docs/aws.md): `ca init` → `ca serve` →
 * `aws register` → `token create` → `enroll` → `credential-process` → STS GetCallerIdentity →
 * `cert revoke` → within 5 s, with no manual step, `credential-process` fails and says the
 * certificate is revoked. `rapki emulator` stands in for Roles Anywhere and STS.
 */
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-e2e';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

describe('Roles Anywhere flow: register → enroll → credentials → revoke → refused within 5 s', () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let ca: CaServerProcess;
  let adminEnv: Record<string, string>;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-e2e-aws-');
    emu = await startEmulatorProcess();
    // The CA server pushes CRLs with the standard AWS credential chain of its own environment.
    ca = await startCaServerProcess({ intermediate: true, env: { ...TEST_AWS_ENV } });
    adminEnv = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    await emu?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('works end to end', async () => {
    // aws register (CA server over HTTPS, pinned by fingerprint; control plane = emulator).
    const reg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], { env: adminEnv, timeoutMs: 60_000 });
    expect(reg.code, fail(reg)).toBe(0);
    const r = JSON.parse(reg.out) as { trustAnchorArn: string; profileArn: string; crlArn: string; configSnippet: string };
    expect(r.crlArn).toMatch(/:crl\//);
    // The CA has an intermediate and the anchor holds the root: the snippet passes --intermediates.
    expect(r.configSnippet).toContain('--intermediates /etc/rapki/chain.pem');

    // token create → enroll (key made on the "host").
    const tok = await runCli(['token', 'create', '--subject', 'web-e2e', '--json'], { env: adminEnv });
    expect(tok.code, fail(tok)).toBe(0);
    const token = (JSON.parse(tok.out) as { token: string }).token;
    const hostDir = join(tmp, 'host');
    const enr = await runCli(['enroll', '--ca-url', ca.url, '--ca-fingerprint', ca.fingerprint, '--out', hostDir], { env: { RAPKI_ENROLL_TOKEN: token } });
    expect(enr.code, fail(enr)).toBe(0);
    const serial = /serial ([0-9a-f]+)/.exec(enr.out + enr.stderr)?.[1];
    expect(serial).toBeDefined();

    // credential-process exactly as the config snippet says (paths of this host).
    const cpArgs = [
      'credential-process',
      '--certificate',
      join(hostDir, 'certificate.pem'),
      '--private-key',
      join(hostDir, 'private-key.pem'),
      '--intermediates',
      join(hostDir, 'chain.pem'),
      '--trust-anchor-arn',
      r.trustAnchorArn,
      '--profile-arn',
      r.profileArn,
      '--role-arn',
      ROLE,
      '--region',
      'us-east-1',
      '--endpoint',
      emu.url,
    ];
    const ok = await runCli(cpArgs);
    expect(ok.code, fail(ok)).toBe(0);
    const creds = JSON.parse(ok.out) as { Version: number; AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
    expect(creds.Version).toBe(1);

    // The credentials work: STS GetCallerIdentity says who we are.
    const sts = new STSClient({
      endpoint: emu.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
    });
    try {
      const who = await sts.send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe('123456789012');
      expect(who.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/rapki-e2e\//);
    } finally {
      sts.destroy();
    }

    // Revoke; no manual push. The CA rebuilds the CRL and its sync pushes it to the emulator.
    const rev = await runCli(['cert', 'revoke', serial!, '--reason', 'keyCompromise'], { env: adminEnv });
    expect(rev.code, fail(rev)).toBe(0);
    const revokedAt = Date.now();
    let refused: CliResult | undefined;
    while (Date.now() - revokedAt < 5000) {
      const attempt = await runCli(cpArgs);
      if (attempt.code !== 0) {
        refused = attempt;
        break;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(refused, 'credential-process still succeeded 5 s after the revocation').toBeDefined();
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect(refused!.out).toBe('');
    expect(refused!.stderr).toMatch(/revoked/i);

    // The sync state says so too once the read-back (GetCrl, 1 s after UpdateCrl) is done; no drift.
    type Status = { drift: boolean; caCrlNumber: string; crls: { awsCrlNumber: string }[]; sync: { targets: { status: string; pushedNumber: string }[] } };
    let status: Status | undefined;
    for (let i = 0; i < 20; i++) {
      const st = await runCli(['aws', 'status', '--json', '--endpoint', emu.url], { env: adminEnv, timeoutMs: 30_000 });
      expect(st.code, fail(st)).toBe(0);
      status = JSON.parse(st.out) as Status;
      if (status.sync.targets[0]?.status === 'in_sync') break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(status!.drift).toBe(false);
    expect(status!.crls[0]!.awsCrlNumber).toBe(status!.caCrlNumber);
    expect(status!.sync.targets[0]).toMatchObject({ status: 'in_sync', pushedNumber: status!.caCrlNumber });

    // /metrics carries the sync gauges.
    const { request } = await import('node:https');
    const metrics = await new Promise<string>((resolve, reject) => {
      const req = request(`${ca.url}/metrics`, { rejectUnauthorized: false }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    expect(metrics).toMatch(/^rapki_crl_sync_targets 1$/m);
    expect(metrics).toMatch(/^rapki_crl_sync_in_sync\{.*\} 1$/m);
    expect(metrics).toMatch(/^rapki_crl_sync_crl_too_large 0$/m);
  }, 120_000);
});
