/**
 * A small PKI made with openssl and a stand-in HTTPS server on loopback that speaks a few routes of
 * the CA contract, for testing the client's trust and error handling without the real CA server.
 */
import { createServer, type Server } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { X509Certificate, createHash } from 'node:crypto';
import { genKey, makePki, openssl } from '../../support/openssl.js';

export interface Pki {
  rootPem: string;
  /** Key of the intermediate, the CA that issues leaves (PKCS#8 PEM). */
  issuerKeyPem: string;
  rootFingerprint: string;
  intermediatePem: string;
  serverCertPem: string;
  serverKeyPem: string;
  rootPath: string;
  otherRootPath: string;
}

/** root → intermediate → server cert with SAN IP:127.0.0.1 only (no `localhost`). */
export async function makeServerPki(dir: string): Promise<Pki> {
  const pki = await makePki(dir, 1, 'ca');
  const key = await genKey(dir, 'server.key', 'ec:P-256');
  const csr = join(dir, 'server.csr');
  const crt = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  await openssl(['req', '-new', '-key', key, '-subj', '/CN=rapki test server', '-out', csr]);
  await writeFile(
    ext,
    '[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n',
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-days',
    '2',
    '-sha256',
    '-CA',
    pki.issuer.cert,
    '-CAkey',
    pki.issuer.key,
    '-set_serial',
    '0x1234',
    '-extfile',
    ext,
    '-extensions',
    'v3',
    '-out',
    crt,
  ]);
  const other = await makePki(dir, 0, 'other');
  const rootPem = await readFile(pki.root.cert, 'utf8');
  return {
    rootPem,
    issuerKeyPem: await readFile(pki.issuer.key, 'utf8'),
    rootFingerprint: createHash('sha256').update(new X509Certificate(rootPem).raw).digest('hex'),
    intermediatePem: await readFile(pki.intermediates[0]!.cert, 'utf8'),
    serverCertPem: await readFile(crt, 'utf8'),
    serverKeyPem: await readFile(key, 'utf8'),
    rootPath: pki.root.cert,
    otherRootPath: other.root.cert,
  };
}

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
  /** DER of the TLS client certificate, if one was presented. */
  clientCert?: Buffer | undefined;
}

export interface StubServer {
  url: URL;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export type Route = (
  req: SeenRequest,
) => { status: number; body: string | Buffer; type?: string } | undefined | Promise<{ status: number; body: string | Buffer; type?: string } | undefined>;

/** HTTPS server presenting `chain` (leaf first); `GET /v1/ca` answers the root, like the real CA. */
export async function startStub(pki: Pki, route: Route, opts: { includeRootInChain?: boolean } = {}): Promise<StubServer> {
  const seen: SeenRequest[] = [];
  const chain = pki.serverCertPem + pki.intermediatePem + (opts.includeRootInChain ? pki.rootPem : '');
  const server: Server = createServer({ cert: chain, key: pki.serverKeyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      const r: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
        clientCert: peer && peer.raw ? peer.raw : undefined,
      };
      seen.push(r);
      if (r.method === 'GET' && r.path === '/v1/ca') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ root: pki.rootPem, intermediates: [pki.intermediatePem] }));
        return;
      }
      const out = (await route(r)) ?? { status: 404, body: JSON.stringify({ code: 'not_found', message: 'no such route' }) };
      res.writeHead(out.status, { 'content-type': out.type ?? 'application/json' });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`https://127.0.0.1:${port}`),
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
