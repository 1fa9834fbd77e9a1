import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureServerTls, serverSans } from '../../../ca-server/src/http/server-tls.js';
import { caPaths } from '../../../ca-server/src/ca-dir.js';
import { makeTestCa, type TestCa } from '../authority/fixtures.js';
import { openssl } from './client.js';

describe('server TLS certificate', () => {
  let t: TestCa;
  beforeAll(async () => {
    t = await makeTestCa({ intermediate: true });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('SANs cover the listen host and loopback names', () => {
    expect(serverSans('ca.example.com').map((s) => `${s.type}:${s.value}`)).toEqual(['dns:ca.example.com', 'dns:localhost', 'ip:127.0.0.1', 'ip:::1']);
    expect(serverSans('10.0.0.5').map((s) => s.value)).toContain('10.0.0.5');
  });

  it('is issued by the issuing CA, reused while fresh, reissued on host change and near expiry', async () => {
    const paths = caPaths(t.dir);
    const base = { paths, issuer: t.ca.issuer, authority: t.ca.authority, clock: t.clock.now, days: 30 };
    const a = await ensureServerTls({ ...base, listenHost: '127.0.0.1' });
    expect(a.reissued).toBe(true);
    const chain = join(t.dir, 'chain.pem');
    writeFileSync(chain, t.ca.x509.toPem(t.ca.issuer.intermediates[0]!, 'CERTIFICATE'));
    const v = openssl(['verify', '-CAfile', paths.rootCert, '-untrusted', chain, '-purpose', 'sslserver', paths.tlsCert]);
    expect(v.out).toContain(': OK');
    // Valid for the listen address and the loopback names a client uses (RFC 6125 §6.4: the SAN, not the CN).
    for (const check of [
      ['-verify_ip', '127.0.0.1'],
      ['-verify_ip', '::1'],
      ['-verify_hostname', 'localhost'],
    ]) {
      expect(openssl(['verify', '-CAfile', paths.rootCert, '-untrusted', chain, '-purpose', 'sslserver', ...check, paths.tlsCert]).out).toContain(': OK');
    }
    expect(
      openssl(['verify', '-CAfile', paths.rootCert, '-untrusted', chain, '-purpose', 'sslserver', '-verify_hostname', 'other.example.com', paths.tlsCert]).ok,
    ).toBe(false);
    expect((await ensureServerTls({ ...base, listenHost: '127.0.0.1' })).reissued).toBe(false);
    const b = await ensureServerTls({ ...base, listenHost: 'ca.example.com' });
    expect(b.reissued).toBe(true);
    expect(openssl(['x509', '-in', paths.tlsCert, '-noout', '-ext', 'subjectAltName']).out).toContain('DNS:ca.example.com');
    t.clock.advance(19 * 86_400_000);
    expect((await ensureServerTls({ ...base, listenHost: 'ca.example.com' })).reissued).toBe(false);
    t.clock.advance(2 * 86_400_000);
    expect((await ensureServerTls({ ...base, listenHost: 'ca.example.com' })).reissued).toBe(true);
    const audit = await t.ca.store.listAudit(0, 1000);
    expect(audit.filter((r) => r.action === 'server_cert.issue')).toHaveLength(3);
  });
});
