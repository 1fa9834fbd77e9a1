/**
 * Hostile bodies and headers, without credentials, to EVERY route the CA server has (read from
 * the app itself, `http/route-list.ts`, so a route added later is covered without touching this
 * test): never a 5xx, never an "unexpected error" in the log, and the server keeps answering.
 *
 * Requests are written byte for byte on a TLS socket (node's HTTP client would refuse to send
 * most of them). Real HTTPS on 127.0.0.1, a real SQLite CA directory.
 */
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../../ca-server/src/init.js';
import { createLogger } from '../../../ca-server/src/logger.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';

/** One raw HTTP/1.1 exchange; resolves with the status (0 when the server closed without one). */
function rawExchange(port: number, ca: string, head: string, body: Buffer = Buffer.alloc(0)): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      sock.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within 20 s to:\n${head.slice(0, 300)}`));
    }, 20_000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    const done = (): void => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    };
    sock.on('end', done);
    sock.on('close', done);
    sock.on('error', () => {
      /* a reset after the answer is fine; `close` follows */
    });
  });
}

/** A concrete path for an express route pattern. */
function concrete(path: string): string {
  return path
    .replace(/:[A-Za-z0-9_]+/g, (p) => (p === ':serial' ? '0a1b' : 'host-x'))
    .replace(/\*[A-Za-z0-9_]*$/, 'x')
    .replace(/[{}]/g, '');
}

interface Hostile {
  readonly name: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** Appended to the path. */
  readonly query?: string;
}

const garbage = Buffer.from('this is not compressed at all \u0000\u0001\u00ff', 'latin1');
const json = (s: string): Buffer => Buffer.from(s, 'utf8');
const HOSTILE: readonly Hostile[] = [
  { name: 'gzip that does not decode', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: garbage },
  { name: 'deflate that does not decode', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: garbage },
  { name: 'br that does not decode', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: garbage },
  {
    name: 'truncated gzip',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(json('{"token":"x","csr":"y"}')).subarray(0, 15),
  },
  { name: 'gzip bomb (8 MiB of zeros)', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(8 << 20)) },
  { name: 'deflate of invalid JSON', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: deflateSync(json('{"a":')) },
  { name: 'br of a JSON array', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: brotliCompressSync(json('[1,2,3]')) },
  { name: 'gzip twice declared once', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(gzipSync(json('{}'))) },
  { name: 'stacked encodings', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, br' }, body: garbage },
  { name: 'unknown encoding', headers: { 'content-type': 'application/json', 'content-encoding': 'x-rapki' }, body: json('{}') },
  { name: 'utf-16 charset', headers: { 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from('{}', 'utf16le') },
  { name: 'unknown charset', headers: { 'content-type': 'application/json; charset=x-nope' }, body: json('{}') },
  { name: 'malformed content type', headers: { 'content-type': 'application/json; charset="utf-8; x' }, body: json('{}') },
  { name: 'not JSON', headers: { 'content-type': 'application/json' }, body: json('{"token": tru') },
  { name: 'deep nesting', headers: { 'content-type': 'application/json' }, body: json('['.repeat(30_000)) },
  {
    name: '__proto__ keys',
    headers: { 'content-type': 'application/json' },
    body: json('{"__proto__":{"admin":true},"constructor":{"prototype":{}},"subject":"x"}'),
  },
  {
    name: 'wrong types',
    headers: { 'content-type': 'application/json' },
    body: json('{"token":[1],"csr":{"a":1},"subject":null,"sans":"dns:x","ttl":{},"reason":7}'),
  },
  { name: 'invalid UTF-8', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]) },
  {
    name: 'chunked with a bad chunk size',
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    body: Buffer.from('zz\r\n{}\r\n0\r\n\r\n'),
  },
  {
    name: 'content-length and chunked',
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'content-length': '5' },
    body: Buffer.from('2\r\n{}\r\n0\r\n\r\n'),
  },
  { name: 'form body', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: json('token=x&csr=y') },
  { name: 'bearer garbage', headers: { authorization: `Bearer ${'A'.repeat(5000)}`, 'content-type': 'application/json' }, body: json('{}') },
  { name: 'basic auth', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
  { name: 'bearer with control characters', headers: { authorization: 'Bearer rapki_at_\u0001\u007f', 'x-request-id': '../../etc/passwd\u00ff' } },
  { name: 'odd validators', headers: { 'if-none-match': '"' + 'x'.repeat(4000), 'if-modified-since': 'yesterday', range: 'bytes=9-1' } },
  { name: 'odd query', headers: {}, query: '?host=%ff&status[$ne]=1&cursor=%00&limit=-1&__proto__=x&host=2' },
  { name: 'huge header', headers: { 'x-pad': 'p'.repeat(20_000) } },
];

describe('hostile requests to every route, without credentials', () => {
  let tmp: string;
  let srv: RunningCaServer;
  let ca: string;
  let log = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rapki-hostile-'));
    const init = await initCa({ dir: join(tmp, 'ca'), passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
    ca = readFileSync(init.root, 'utf8');
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => {
      log += b.toString();
    });
    srv = await startCaServer({
      dir: join(tmp, 'ca'),
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
      log: createLogger({ level: 'info', destination: sink }),
      // Far above what this test sends: a 429 before the body is read would hide a body bug.
      rateLimits: { enroll: { ratePerSecond: 1e6, burst: 1e6 }, admin: { ratePerSecond: 1e6, burst: 1e6 } },
    });
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reads the routes from the app (the contract routes are all there)', () => {
    const paths = srv.routes.map((r) => r.path);
    for (const p of [
      '/v1/enroll',
      '/v1/renew',
      '/v1/ca',
      '/v1/crl.pem',
      '/v1/admin/tokens',
      '/v1/admin/certificates/:serial/revoke',
      '/v1/admin/hosts/:name/revoke',
      '/v1/admin/audit',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      expect(paths).toContain(p);
    }
    expect(srv.routes.length).toBeGreaterThanOrEqual(20);
  });

  /**
   * The API answers `{code, message}` JSON; the web console (a browser's pages, docs/console.md)
   * answers an HTML page that names the same code (`Error <code>CODE</code>`).
   */
  function coded(path: string, text: string): boolean {
    if (path === '/ui' || path.startsWith('/ui/')) {
      return /\r\ncontent-type: text\/html/i.test(text) && /Error <code>[a-z_]+<\/code>/.test(text);
    }
    return /"code":"[a-z_]+"/.test(text);
  }

  it('answers every hostile request on every route and method with a coded 4xx (or the normal answer), never a 5xx', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const route of srv.routes) {
      const methods =
        route.methods === 'any'
          ? ['GET', 'POST', 'PUT', 'DELETE']
          : [...route.methods.filter((m) => m !== 'HEAD'), route.methods.includes('POST') ? 'GET' : 'POST'];
      for (const method of methods) {
        const base = concrete(route.path);
        for (const h of HOSTILE) {
          const body = h.body ?? Buffer.alloc(0);
          const headers: Record<string, string> = { host: 'localhost', connection: 'close', ...h.headers };
          if (body.length > 0 && headers['transfer-encoding'] === undefined) headers['content-length'] = String(body.length);
          const head = `${method} ${base}${h.query ?? ''} HTTP/1.1\r\n${Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\r\n')}\r\n\r\n`;
          const r = await rawExchange(srv.port, ca, head, body);
          sent++;
          if (r.status >= 500 || r.status === 0)
            failures.push(`${method} ${route.path} [${h.name}] -> ${r.status || 'no answer'} ${r.text.split('\r\n\r\n')[1]?.slice(0, 120) ?? ''}`);
          else if (
            r.status >= 400 &&
            r.status !== 431 &&
            !coded(route.path, r.text) &&
            !/^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/.test(r.text)
          ) {
            // Node's own parser answers a bare 400/431 without a body; everything else is ours: {code, message}.
            failures.push(`${method} ${route.path} [${h.name}] -> ${r.status} without {code, message}`);
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(HOSTILE.length * 20);
    expect(failures).toEqual([]);
    expect(log).not.toMatch(/unexpected error/);
    expect(log).not.toMatch(/"level":50/);
    // Still serving.
    const ok = await rawExchange(srv.port, ca, 'GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
    expect(ok.status).toBe(200);
  }, 300_000);

  it('a body whose Content-Encoding does not decode is 400 invalid_request', async () => {
    for (const enc of ['gzip', 'deflate', 'br']) {
      const head = `POST /v1/admin/tokens HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-encoding: ${enc}\r\ncontent-length: ${garbage.length}\r\n\r\n`;
      const r = await rawExchange(srv.port, ca, head, garbage);
      expect([enc, r.status]).toEqual([enc, 400]);
      expect(JSON.parse(r.text.split('\r\n\r\n')[1]!)).toMatchObject({ code: 'invalid_request' });
    }
  });
});
