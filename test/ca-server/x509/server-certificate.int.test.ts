import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:tls';
import { join } from 'node:path';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { opensslVerify } from '../../support/openssl-ca.js';
import { makeTestCa, NOW, type TestCa } from './ca-fixture.js';
import { derToPem, issueServerCertificate, lintLeafCertificate, newSerial, sanForHost } from '../../../ca-server/src/x509/index.js';

let dir: string;
let ca: TestCa;
let server: Server | undefined;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-server-');
  ca = await makeTestCa(dir, 'ec-p256', { intermediate: true, name: 'tls' });
});
afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await removeTempDir(dir);
});

describe('issueServerCertificate', () => {
  it('maps listen hosts to IP or DNS SANs', () => {
    expect(sanForHost('127.0.0.1')).toEqual({ type: 'ip', value: '127.0.0.1' });
    expect(sanForHost('[::1]')).toEqual({ type: 'ip', value: '::1' });
    expect(sanForHost('ca.example.com')).toEqual({ type: 'dns', value: 'ca.example.com' });
  });

  it('issues a serverAuth+clientAuth certificate that openssl and a real TLS client accept for the host', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = await issueServerCertificate({
      issuerCertificate: ca.issuer.der,
      issuerSigner: ca.issuer.signer,
      host: '127.0.0.1',
      extraSans: [{ type: 'dns', value: 'localhost' }],
      publicKeySpki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
      serial: newSerial(),
      notBefore: new Date(NOW.getTime() - 60_000),
      notAfter: new Date(NOW.getTime() + 86_400_000),
    });
    lintLeafCertificate(der, ca.issuer.der, { sans: [{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }] });
    const path = join(dir, 'server.pem');
    await writeFile(path, derToPem(der, 'CERTIFICATE'));
    const text = await openssl(['x509', '-in', path, '-noout', '-text']);
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toContain('IP Address:127.0.0.1, DNS:localhost');
    const v = await opensslVerify(['-CAfile', ca.root.path, '-untrusted', ca.intermediate!.path, '-purpose', 'sslserver', '-verify_ip', '127.0.0.1', path]);
    expect(v.output).toContain(': OK');

    // A real handshake on loopback: the client trusts only the root, the server sends leaf + intermediate.
    server = createServer({ key: privateKey.export({ format: 'pem', type: 'pkcs8' }), cert: derToPem(der, 'CERTIFICATE') + ca.intermediate!.pem }, (s) => s.end('hi'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const got = await new Promise<string>((resolve, reject) => {
      const c = connect({ host: '127.0.0.1', port, ca: ca.root.pem }, () => {
        let data = '';
        c.on('data', (d) => (data += d));
        c.on('end', () => resolve(data));
      });
      c.on('error', reject);
    });
    expect(got).toBe('hi');
    // And a client expecting another name is refused by node's default identity check.
    await expect(
      new Promise((resolve, reject) => {
        const c = connect({ host: '127.0.0.1', port, ca: ca.root.pem, servername: 'other.example.com' }, () => resolve(c.end()));
        c.on('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});
