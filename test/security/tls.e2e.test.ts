/**
 * Controls "TLS settings" and "CA pinning against MITM" (docs/security.md).
 *
 * Server (ca-server/src/http/https-server.ts, server-tls.ts): TLS 1.2 minimum; its own certificate
 * is issued by the CA, EC P-256, serverAuth, with the listen host and loopback names in the SAN
 * (checked with openssl, and compared with what is presented on the wire).
 * Clients: `rapki enroll`/admin commands trust only the root whose SHA-256 was pinned
 * (cli/src/ca-client/trust.ts): a man in the middle with its own certificate — even one that serves
 * the genuine root on GET /v1/ca — never receives the enrollment or admin token.
 * The signer (signer/src/session/http-client.ts) verifies the endpoint and refuses TLS below 1.2.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, createServer as createTlsServer, type ConnectionOptions, type SecureVersion, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { makeLeaf, makeRootCa } from '../support/emulator-pki.js';
import { makeServerCertificate } from '../support/loopback-verifier.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';

/** Lets the CLIENT offer old protocols, so a refusal can only come from the server. */
const OLD_PROTOCOLS: ConnectionOptions = { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' };

function handshake(port: number, o: ConnectionOptions): Promise<{ protocol: string | null; authorized: boolean; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({ host: '127.0.0.1', port, ...o });
    s.once('secureConnect', () => {
      const r = { protocol: s.getProtocol(), authorized: s.authorized, raw: s.getPeerCertificate().raw };
      s.destroy();
      resolve(r);
    });
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
  });
}

const openssl = (args: string[], input?: string): string => execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

describe('TLS: the CA server', () => {
  let ca: CaServerProcess;
  let root: string;
  let legacy: ReturnType<typeof createTlsServer>;
  let legacyPort: number;

  beforeAll(async () => {
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
    // Positive control: a server that speaks TLS 1.1, to show the client below really offers it.
    const cert = makeServerCertificate();
    legacy = createTlsServer({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) =>
      s.end(),
    );
    await new Promise<void>((r) => legacy.listen(0, '127.0.0.1', r));
    legacyPort = (legacy.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    legacy?.close();
  });

  it('the TLS 1.1 client works against a TLS 1.1 server (control)', async () => {
    const r = await handshake(legacyPort, { ...OLD_PROTOCOLS, maxVersion: 'TLSv1.1', rejectUnauthorized: false });
    expect(r.protocol).toBe('TLSv1.1');
  });

  for (const v of ['TLSv1', 'TLSv1.1'] as SecureVersion[]) {
    it(`refuses a client whose maximum is ${v}`, async () => {
      await expect(handshake(ca.port, { ...OLD_PROTOCOLS, maxVersion: v, rejectUnauthorized: false })).rejects.toMatchObject({
        code: expect.stringMatching(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS/) as unknown as string,
      });
    });
  }

  for (const v of ['TLSv1.2', 'TLSv1.3'] as SecureVersion[]) {
    it(`accepts ${v} with full verification against the pinned root`, async () => {
      const r = await handshake(ca.port, { minVersion: v, maxVersion: v, ca: root, rejectUnauthorized: true });
      expect(r.protocol).toBe(v);
      expect(r.authorized).toBe(true);
    });
  }

  /** `openssl s_client` offering exactly one suite; returns the negotiated cipher, or null when refused. */
  const sClient = (version: '-tls1_2' | '-tls1_3', suite: string): string | null => {
    const r = spawnSync(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${ca.port}`,
        '-servername',
        'localhost',
        version,
        version === '-tls1_2' ? '-cipher' : '-ciphersuites',
        suite,
        '-brief',
      ],
      {
        input: '',
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    const m = /Ciphersuite: (\S+)/.exec(`${r.stdout}${r.stderr}`);
    return r.status === 0 && m ? m[1]! : null;
  };

  it('TLS 1.2 offers only AEAD suites with forward secrecy (ECDHE + GCM/ChaCha20), checked with openssl s_client', () => {
    // Refused: CBC (with and without ECDHE), CCM and CCM8, static RSA key exchange, DHE.
    for (const suite of [
      'ECDHE-ECDSA-AES128-SHA256',
      'ECDHE-ECDSA-AES256-SHA384',
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA',
      'ECDHE-ECDSA-AES128-CCM8',
      'ECDHE-ECDSA-AES256-CCM8',
      'ECDHE-ECDSA-AES128-CCM',
      'AES128-GCM-SHA256',
      'AES256-SHA256',
      'DHE-RSA-AES128-GCM-SHA256',
    ]) {
      expect([suite, sClient('-tls1_2', suite)]).toEqual([suite, null]);
    }
    // Accepted (and the refusals above are not a client that cannot connect at all).
    for (const suite of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
      expect([suite, sClient('-tls1_2', suite)]).toEqual([suite, suite]);
    }
    // TLS 1.3: its AEAD suites, not CCM8.
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      expect([suite, sClient('-tls1_3', suite)]).toEqual([suite, suite]);
    }
    expect(sClient('-tls1_3', 'TLS_AES_128_CCM_8_SHA256')).toBeNull();
  });

  it('its certificate: issued by the CA, serverAuth, EC P-256, SAN = loopback names and the listen host (openssl)', async () => {
    const onDisk = readFileSync(join(ca.dir, 'tls', 'server.pem'), 'utf8');
    const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(onDisk)![0];
    const wire = await handshake(ca.port, { ca: root });
    expect(Buffer.from(leafPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').equals(wire.raw)).toBe(true);
    const text = openssl(['x509', '-noout', '-text'], leafPem);
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s*\n\s*(.+)/);
    const san = /X509v3 Subject Alternative Name:\s*\n\s*(.+)/.exec(text)![1]!.split(', ').sort();
    expect(san).toEqual(['DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1']);
    expect(text).toMatch(/Extended Key Usage:\s*\n\s*TLS Web Server Authentication\s*\n/);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toMatch(/ASN1 OID: prime256v1/);
    const dir = await makeTempDir('rapki-sec-tls-');
    try {
      writeFileSync(join(dir, 'leaf.pem'), leafPem);
      expect(openssl(['verify', '-CAfile', ca.rootPem, '-purpose', 'sslserver', join(dir, 'leaf.pem')])).toMatch(/: OK/);
    } finally {
      await removeTempDir(dir);
    }
  });
});

describe('TLS: clients pin the CA root (man in the middle)', () => {
  let ca: CaServerProcess;
  let mitm: Server;
  let mitmUrl: string;
  const received: string[] = [];
  let serveRealRoot = false;

  beforeAll(async () => {
    ca = await startCaServerProcess();
    const root = readFileSync(ca.rootPem, 'utf8');
    const own = makeServerCertificate();
    // Records every decrypted byte it receives; answers GET /v1/ca with its own or the genuine root.
    mitm = createHttpsServer({ key: own.keyPem, cert: own.certPem }, (req, res) => {
      let b = `${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n`;
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        received.push(b);
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/ca') res.end(JSON.stringify({ root: serveRealRoot ? root : own.certPem, intermediates: [] }));
        else res.end(JSON.stringify({ subject: 'h', sans: [], certTtl: 60, expiresAt: new Date().toISOString() }));
      });
    });
    await new Promise<void>((r) => mitm.listen(0, '127.0.0.1', r));
    mitmUrl = `https://127.0.0.1:${(mitm.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
    mitm?.close();
  });

  const ENROLL_TOKEN = 'rapki_et_' + 'M'.repeat(43);

  for (const realRoot of [false, true]) {
    it(`enroll and admin commands send no token to a MITM that serves ${realRoot ? 'the genuine root' : 'its own root'} on /v1/ca`, async () => {
      serveRealRoot = realRoot;
      received.length = 0;
      const dir = await makeTempDir('rapki-sec-mitm-');
      try {
        const enr = await runCli(['enroll', '--ca-url', mitmUrl, '--ca-fingerprint', ca.fingerprint, '--out', join(dir, 'h')], {
          env: { RAPKI_ENROLL_TOKEN: ENROLL_TOKEN },
        });
        expect(enr.code).not.toBe(0);
        expect(enr.stderr).toMatch(realRoot ? /certificate|verify|untrusted|self.signed|tls/i : /ca_fingerprint_mismatch/);
        const adm = await runCli(['token', 'create', '--subject', 'x'], {
          env: { RAPKI_CA_URL: mitmUrl, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken },
        });
        expect(adm.code).not.toBe(0);
      } finally {
        await removeTempDir(dir);
      }
      // Only the unauthenticated probe for the CA bundle reached it (if anything), never a secret.
      expect(received.every((r) => r.startsWith('GET /v1/ca\n'))).toBe(true);
      expect(received.length).toBeGreaterThan(0);
      const all = received.join('\n');
      expect(all).not.toContain(ENROLL_TOKEN);
      expect(all).not.toContain(ca.adminToken);
      expect(all.toLowerCase()).not.toContain('authorization');
    });
  }

  it('the same commands work against the real CA (control)', async () => {
    const r = await runCli(['token', 'create', '--subject', 'x', '--json'], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken },
    });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('TLS: the signer (credential-process)', () => {
  let dir: string;
  let cert: string;
  let key: string;
  const servers: Server[] = [];
  const hits: string[] = [];

  async function endpoint(o: { maxVersion?: SecureVersion }): Promise<{ url: string; caFile: string }> {
    const own = makeServerCertificate();
    const s = createHttpsServer({ key: own.keyPem, cert: own.certPem, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0', ...o }, (req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.statusCode = 403;
      res.setHeader('content-type', 'application/json');
      res.end('{"message":"test endpoint"}');
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const caFile = join(dir, `endpoint-${servers.length}.pem`);
    writeFileSync(caFile, own.certPem);
    return { url: `https://127.0.0.1:${(s.address() as AddressInfo).port}`, caFile };
  }

  const args = (url: string): string[] => [
    'credential-process',
    '--no-cache',
    '--certificate',
    cert,
    '--private-key',
    key,
    '--trust-anchor-arn',
    'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/00000000-0000-0000-0000-000000000000',
    '--profile-arn',
    'arn:aws:rolesanywhere:us-east-1:123456789012:profile/00000000-0000-0000-0000-000000000000',
    '--role-arn',
    'arn:aws:iam::123456789012:role/r',
    '--endpoint',
    url,
    '--timeout',
    '5',
  ];

  beforeAll(async () => {
    dir = await makeTempDir('rapki-sec-signer-tls-');
    const rootCa = makeRootCa(dir, 'root');
    const leaf = makeLeaf(rootCa, { cn: 'signer-tls' });
    cert = leaf.certPath;
    key = leaf.keyPath;
  }, 60_000);

  afterAll(async () => {
    for (const s of servers) s.close();
    if (dir) await removeTempDir(dir);
  });

  it('an endpoint whose certificate is not trusted gets no request; with AWS_CA_BUNDLE it does (control)', async () => {
    const ep = await endpoint({});
    hits.length = 0;
    const r = await runCli(args(ep.url));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(hits).toEqual([]);
    const ok = await runCli(args(ep.url), { env: { AWS_CA_BUNDLE: ep.caFile } });
    expect(ok.code).toBe(1); // the test endpoint answers 403
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatch(/^POST \/sessions\b/);
  });

  it('an endpoint that offers at most TLS 1.1 is refused before any request', async () => {
    const ep = await endpoint({ maxVersion: 'TLSv1.1' });
    hits.length = 0;
    const r = await runCli(args(ep.url), { env: { AWS_CA_BUNDLE: ep.caFile } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/protocol|version|tls|ssl/i);
    expect(hits).toEqual([]);
  });
});
