/**
 * C26 (formerly gap 3 of docs/security.md): renewal cannot fork. After a certificate has been
 * renewed, renewing the same certificate again is refused with 409 certificate_superseded, audited
 * (`renew.refused_superseded`) and counted in /metrics; only an idempotent retry (CSR with the
 * public key of the renewal already made) gets that same certificate back. Real `rapki ca serve`
 * process, real mTLS on loopback, keys and CSRs made by openssl.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';
import { genKey, makeTempDir, removeTempDir } from '../support/openssl.js';
import { caRequest, postJson } from './helpers/https.js';

describe('C26: a renewed certificate cannot be renewed again (no fork)', () => {
  let ca: CaServerProcess;
  let root: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-sec-fork-');
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  const csrFor = (keyPath: string, cn: string): string => execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', `/CN=${cn}`], { encoding: 'utf8' });
  const serialOf = (pem: string): string =>
    execFileSync('openssl', ['x509', '-noout', '-serial'], { input: pem, encoding: 'utf8' })
      .trim()
      .replace(/^serial=/, '')
      .toLowerCase()
      .replace(/^0+/, '');

  it('second renewal of one certificate: 409 certificate_superseded (audited, counted); a same-key retry gets the same certificate; the newest one renews', async () => {
    const env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const tok = await runCli(['token', 'create', '--subject', 'fork-host', '--json'], { env });
    expect(tok.code, tok.stderr).toBe(0);
    const host = join(tmp, 'host');
    const enr = await runCli(['enroll', '--out', host], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ENROLL_TOKEN: (JSON.parse(tok.out) as { token: string }).token },
    });
    expect(enr.code, enr.stderr).toBe(0);
    const oldCert = readFileSync(join(host, 'certificate.pem'), 'utf8');
    const oldKey = readFileSync(join(host, 'private-key.pem'), 'utf8');
    const oldSerial = serialOf(oldCert);

    // The host renews with a new key.
    const hostKey = await genKey(tmp, 'host-new.key', 'ec:P-256');
    const first = await postJson(ca.url, '/v1/renew', root, { csr: csrFor(hostKey, 'fork-host') }, undefined, { cert: oldCert, key: oldKey });
    expect(first.status, first.body).toBe(201);
    const renewed = JSON.parse(first.body) as { certificate: string; serial: string };

    // A thief with a copy of the old key and certificate tries to renew it too: refused, naming the newer serial.
    const thiefKey = await genKey(tmp, 'thief.key', 'ec:P-256');
    const forked = await postJson(ca.url, '/v1/renew', root, { csr: csrFor(thiefKey, 'fork-host') }, undefined, { cert: oldCert, key: oldKey });
    expect(forked.status, forked.body).toBe(409);
    const err = JSON.parse(forked.body) as { code: string; message: string };
    expect(err.code).toBe('certificate_superseded');
    expect(err.message).toContain(`serial ${renewed.serial}`);
    // Reusing the old key is no retry either.
    const sameOldKey = await postJson(ca.url, '/v1/renew', root, { csr: csrFor(join(host, 'private-key.pem'), 'fork-host') }, undefined, {
      cert: oldCert,
      key: oldKey,
    });
    expect(sameOldKey.status).toBe(409);

    // The host lost the answer and retries with the same new key: the same certificate again.
    const retry = await postJson(ca.url, '/v1/renew', root, { csr: csrFor(hostKey, 'fork-host') }, undefined, { cert: oldCert, key: oldKey });
    expect(retry.status, retry.body).toBe(201);
    const again = JSON.parse(retry.body) as { certificate: string; serial: string };
    expect(again.serial).toBe(renewed.serial);
    expect(again.certificate).toBe(renewed.certificate);
    expect(serialOf(again.certificate)).toBe(renewed.serial.replace(/^0+/, ''));

    // Only the original (superseded: renewed, still unexpired) and one renewal (active) exist.
    const list = await runCli(['cert', 'list', '--host', 'fork-host', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.out) as { certificates: { serial: string; status: string }[] }).certificates;
    expect(new Map(listed.map((c) => [c.serial.replace(/^0+/, ''), c.status]))).toEqual(
      new Map([
        [renewed.serial.replace(/^0+/, ''), 'active'],
        [oldSerial, 'superseded'],
      ]),
    );

    // The refusals are audited with the serial that was superseded and the one that superseded it.
    const audit = await caRequest(ca.url, '/v1/admin/audit?limit=500', { ca: root, headers: { authorization: `Bearer ${ca.adminToken}` } });
    expect(audit.status, audit.body).toBe(200);
    const refused = (JSON.parse(audit.body) as { records: Array<{ action: string; details: Record<string, unknown> }> }).records.filter(
      (r) => r.action === 'renew.refused_superseded',
    );
    expect(refused).toHaveLength(2);
    expect(refused[0]!.details).toMatchObject({ host: 'fork-host', supersededBy: renewed.serial });

    // Counted by code in /metrics.
    const metrics = await caRequest(ca.url, '/metrics', { ca: root });
    expect(metrics.body).toMatch(/rapki_ca_errors_total\{code="certificate_superseded"\} 2\b/);

    // The chain goes on from the newest certificate.
    const next = await postJson(ca.url, '/v1/renew', root, { csr: csrFor(hostKey, 'fork-host') }, undefined, {
      cert: renewed.certificate,
      key: readFileSync(hostKey, 'utf8'),
    });
    expect(next.status, next.body).toBe(201);
  });
});
