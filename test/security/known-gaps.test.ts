/**
 * Evidence for the "Known gaps" of docs/security.md: each test shows the current behaviour the doc
 * describes. When a gap is closed, its test fails on purpose — update docs/security.md (move the
 * item to the controls table) and turn the test around.
 *
 * Closed: gap 1 (admin tokens can now be listed, expired and revoked) is control C24, proved by
 * `admin-token-lifecycle.test.ts`; gap 9 (key file permissions) is control C25, proved by
 * `key-file-permissions.test.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { postJson } from './helpers/https.js';

describe('known gaps of the CA server', () => {
  let ca: CaServerProcess;
  let root: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-sec-gaps-');
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('gap 3: one certificate can be renewed twice; both new certificates stay valid (a fork nobody flags)', async () => {
    const env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const tok = await runCli(['token', 'create', '--subject', 'fork-host', '--json'], { env });
    expect(tok.code, tok.stderr).toBe(0);
    const host = join(tmp, 'host');
    const enr = await runCli(['enroll', '--out', host], { env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ENROLL_TOKEN: (JSON.parse(tok.out) as { token: string }).token } });
    expect(enr.code, enr.stderr).toBe(0);
    // The "thief" holds a copy of the enrolled certificate and key.
    const cert = readFileSync(join(host, 'certificate.pem'), 'utf8');
    const key = readFileSync(join(host, 'private-key.pem'), 'utf8');
    const { execFileSync } = await import('node:child_process');
    const csr = (): string =>
      execFileSync('openssl', ['req', '-new', '-key', join(host, 'private-key.pem'), '-subj', '/CN=fork-host'], { encoding: 'utf8' });
    const first = await postJson(ca.url, '/v1/renew', root, { csr: csr() }, undefined, { cert, key });
    const second = await postJson(ca.url, '/v1/renew', root, { csr: csr() }, undefined, { cert, key });
    expect([first.status, second.status]).toEqual([201, 201]);
    const list = await runCli(['cert', 'list', '--host', 'fork-host', '--status', 'active', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const serials = list.out.match(/"serial"\s*:\s*"[0-9a-f]+"/g) ?? [];
    expect(new Set(serials).size).toBe(3); // the original and both renewals
  });
});
