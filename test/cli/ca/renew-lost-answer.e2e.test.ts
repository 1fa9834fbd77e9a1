/**
 * A renewal whose answer is lost must not strand the host (security.md C26): the CA renews a
 * certificate once, so the retry of the same process sends the same new key and gets the
 * certificate already issued. Real `rapki ca serve` process, real mTLS; only the loss of the
 * answer is simulated (the client wrapper throws after the real call returned).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaClient } from '../../../cli/src/ca-client/client.js';
import { connect } from '../../../cli/src/ca-client/connection.js';
import { identityOf, loadCurrent, renew, type HostFiles } from '../../../cli/src/ca-client/renew.js';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { runCli } from '../../support/cli.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';

describe('renew after a lost answer', () => {
  let ca: CaServerProcess;
  let tmp: string;

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-renew-lost-');
    ca = await startCaServerProcess();
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it('the retry sends the same key and gets the certificate the CA already issued (not certificate_superseded)', async () => {
    const env = { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    const tok = await runCli(['token', 'create', '--subject', 'lost-host', '--json'], { env });
    expect(tok.code, tok.stderr).toBe(0);
    const host = join(tmp, 'host');
    const enr = await runCli(['enroll', '--out', host], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ENROLL_TOKEN: (JSON.parse(tok.out) as { token: string }).token },
    });
    expect(enr.code, enr.stderr).toBe(0);
    const files: HostFiles = { certificate: join(host, 'certificate.pem'), privateKey: join(host, 'private-key.pem'), chain: join(host, 'chain.pem') };
    const current = await loadCurrent(files);
    const oldSerial = current.certificate.serialNumber.toLowerCase();
    const client = await connect({ 'ca-url': ca.url, 'ca-fingerprint': ca.fingerprint }, {}, { clientIdentity: identityOf(current) });
    const answered: string[] = [];
    let lose = true;
    const lossy = {
      trust: () => client.trust(),
      json: async (...a: Parameters<CaClient['json']>) => {
        const r = await client.json<{ serial: string }>(...a);
        answered.push(r.serial);
        if (lose) {
          lose = false;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return r;
      },
    } as unknown as CaClient;
    try {
      await expect(renew({ client: lossy, files, current })).rejects.toThrow('socket hang up');
      // Nothing was written: the old certificate is still on disk.
      expect(new X509Certificate(readFileSync(files.certificate)).serialNumber.toLowerCase()).toBe(oldSerial);
      const r = await renew({ client: lossy, files, current });
      expect(answered).toHaveLength(2);
      expect(answered[1]).toBe(answered[0]); // the same certificate, not a second one
      expect(r.serial).toBe(answered[0]);
      const onDisk = new X509Certificate(readFileSync(files.certificate));
      const after = await loadCurrent(files);
      expect(after.kind === 'file' && onDisk.checkPrivateKey(after.privateKey)).toBe(true);
      expect(onDisk.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(r.serial.replace(/^0+/, ''));
      // The CA issued one renewal, not two.
      const inventory = await runCli(['cert', 'list', '--host', 'lost-host', '--json'], { env });
      expect(inventory.out.match(/"serial"/g)).toHaveLength(2);
    } finally {
      client.close();
    }
  });
});
