/**
 * After `rapki aws register --endpoint E --region R`, the commands that follow (`status`,
 * `crl-push`, `unregister`) go to the same place without the flags: the region and endpoint are
 * stored with the CA's CRL sync target. And a network error names the URL it tried, where that
 * came from, and the flags that change it. Real processes: the built CLI, `rapki ca serve`, and a
 * `rapki emulator` that serves only eu-west-2 (so a call signed for the shell's AWS_REGION,
 * us-east-1, would be refused).
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from './emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-remembered';
const REGION = 'eu-west-2';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('rapki aws remembers where register went', () => {
  let emu: EmulatorProcess;
  let ca: CaServerProcess;
  let tmp: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-aws-place-');
    emu = await startEmulatorProcess(['--region', REGION]);
    ca = await startCaServerProcess({ env: { ...TEST_AWS_ENV } });
    // AWS_REGION=us-east-1 in the shell, as TEST_AWS_ENV sets it: the stored region must win.
    env = { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
  }, 60_000);
  afterAll(async () => {
    await ca?.dispose();
    await emu?.dispose();
    await removeTempDir(tmp);
  });
  const aws = (args: string[]) => runCli(['aws', ...args], { env, timeoutMs: 60_000 });

  it('status, crl-push and unregister need no --endpoint/--region after register', async () => {
    const reg = await aws(['register', '--json', '--endpoint', emu.url, '--region', REGION, '--role-arn', ROLE]);
    expect(reg.code, fail(reg)).toBe(0);
    const ta = (JSON.parse(reg.out) as { trustAnchorArn: string }).trustAnchorArn;
    expect(ta).toContain(`:rolesanywhere:${REGION}:`);

    const st = await aws(['status', '--json']);
    expect(st.code, fail(st)).toBe(0);
    const report = JSON.parse(st.out) as { region: string; endpoint: string; registered: boolean; trustAnchors: { trustAnchorArn: string }[] };
    expect(report).toMatchObject({ region: REGION, endpoint: emu.url, registered: true });
    expect(report.trustAnchors.map((a) => a.trustAnchorArn)).toEqual([ta]);

    const push = await aws(['crl-push', '--json', '--force']);
    expect(push.code, fail(push)).toBe(0);
    expect((JSON.parse(push.out) as { pushed: { trustAnchorArn: string; action: string }[] }).pushed).toEqual([
      expect.objectContaining({ trustAnchorArn: ta, action: 'updated' }),
    ]);

    const plan = await aws(['unregister', '--json']);
    expect(plan.code, fail(plan)).toBe(0);
    expect(JSON.parse(plan.out)).toMatchObject({ dryRun: true, trustAnchors: [ta] });
  }, 120_000);

  it('a network error names the URL, that it was stored by register, and the flags', async () => {
    await emu.stop();
    try {
      const st = await aws(['status']);
      expect(st.code).toBe(1);
      expect(st.stderr).toMatch(/^rapki: aws_unreachable: /);
      expect(st.stderr).toContain(emu.url.replace(/\/$/, ''));
      expect(st.stderr).toContain(`used region ${REGION} and endpoint ${emu.url}, stored by \`rapki aws register\``);
      expect(st.stderr).toContain('--endpoint URL and --region R choose another');
    } finally {
      await emu.start();
    }
  }, 60_000);

  it('without a registration the flags and AWS_REGION decide, and the error says so', async () => {
    const dir = `${tmp}/fresh-ca`;
    const init = runRapki(['ca', 'init', '--dir', dir, '--json'], { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE });
    expect(init.status, init.stderr).toBe(0);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const st = await runCli(['aws', 'status', '--ca-dir', dir, '--endpoint', url], { env: { ...TEST_AWS_ENV }, timeoutMs: 60_000 });
    expect(st.code).toBe(1);
    expect(st.stderr).toMatch(
      new RegExp(`^rapki: aws_unreachable: could not reach the Roles Anywhere control plane at ${url.replace(/\./g, '\\.')} \\(ECONNREFUSED\\)`),
    );
    expect(st.stderr).toContain('used region us-east-1 (AWS_REGION) and endpoint');
    expect(st.stderr).toContain('from --endpoint, nothing stored by `rapki aws register` for it');
  }, 60_000);

  it('unregister --yes without flags deletes there', async () => {
    const del = await aws(['unregister', '--yes', '--json']);
    expect(del.code, fail(del)).toBe(0);
    expect((JSON.parse(del.out) as { trustAnchors: string[]; syncTargetsRemoved: number }).syncTargetsRemoved).toBe(1);
    // Nothing is stored any more; the emulator, asked explicitly, holds nothing of this CA.
    const st = await aws(['status', '--json', '--endpoint', emu.url, '--region', REGION]);
    expect(st.code, fail(st)).toBe(0);
    expect(JSON.parse(st.out)).toMatchObject({ registered: false });
  }, 120_000);
});
