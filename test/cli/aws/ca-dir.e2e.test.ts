/**
 * `rapki aws register --ca-dir` on a CA that has never served (no CRL yet), with the intermediate
 * as trust anchor; then `rapki ca serve` starts, publishes its first CRL and imports it into Roles
 * Anywhere by itself (the sync target written into the CA's store, which the server reads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCaStore } from '../../support/ca-store.js';
import { CRL_SLOTS } from '../../../ca-server/src/store/types.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from './emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-ca-dir';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

describe('rapki aws register --ca-dir before the CA server ever ran', () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let caDir: string;
  let adminToken: string;
  let server: CaServerProcess | undefined;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-aws-cadir-');
    emu = await startEmulatorProcess();
    caDir = `${tmp}/ca`;
    const init = runRapki(['ca', 'init', '--dir', caDir, '--json', '--intermediate'], { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE });
    expect(init.status, init.stderr).toBe(0);
    adminToken = (JSON.parse(init.stdout) as { adminToken: string }).adminToken;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await emu?.dispose();
    await removeTempDir(tmp);
  });

  it('registers the intermediate without a CRL, then the server imports its first CRL by itself', async () => {
    const r = await runCli(['aws', 'register', '--json', '--ca-dir', caDir, '--endpoint', emu.url, '--role-arn', ROLE, '--anchor', 'intermediate'], {
      env: { ...TEST_AWS_ENV },
      timeoutMs: 60_000,
    });
    expect(r.code, fail(r)).toBe(0);
    const reg = JSON.parse(r.out) as { trustAnchorArn: string; crlArn: string | null; configSnippet: string };
    expect(reg.crlArn).toBeNull();
    // The anchor holds the intermediate, so hosts need not send it.
    expect(reg.configSnippet).not.toContain('--intermediates');

    const before = await runCli(['aws', 'status', '--json', '--check', '--ca-dir', caDir, '--endpoint', emu.url], { env: { ...TEST_AWS_ENV } });
    expect(before.code).toBe(3);
    const s0 = JSON.parse(before.out) as { trustAnchors: { matchesCa: boolean }[]; problems: string[] };
    expect(s0.trustAnchors[0]!.matchesCa).toBe(true);
    expect(s0.problems.join('\n')).toMatch(/no enabled CRL/);

    server = await startCaServerProcess({ dir: caDir, adminToken, env: { ...TEST_AWS_ENV } });
    let status: { drift: boolean; problems: string[]; crls: { crlArn: string; awsCrlNumber: string; enabled: boolean }[]; caCrlNumber: string } | undefined;
    for (let i = 0; i < 40; i++) {
      const s = await runCli(['aws', 'status', '--json', '--ca-dir', caDir, '--endpoint', emu.url], { env: { ...TEST_AWS_ENV } });
      expect(s.code, fail(s)).toBe(0);
      status = JSON.parse(s.out);
      // Done once AWS holds the CRL and the read-back (GetCrl, 1 s later) recorded it.
      const done = (await withCaStore(caDir, (st) => st.listCrlSlots(CRL_SLOTS.primary))).some((x) => x.pushedNumber !== null);
      if (status!.crls.length > 0 && !status!.drift && done) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(status!.drift).toBe(false);
    expect(status!.crls).toEqual([expect.objectContaining({ enabled: true, awsCrlNumber: status!.caCrlNumber })]);
    const stored = await withCaStore(caDir, (st) => st.listCrlSlots(CRL_SLOTS.primary));
    expect(stored[0]).toMatchObject({ crlArn: status!.crls[0]!.crlArn, pushedNumber: status!.caCrlNumber });
    expect(server.stderr()).toContain('crl sync: pushed');
  }, 90_000);
});
