import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa } from '../../../ca-server/src/init.js';
import { isLeanEnroll } from '../../../ca-server/src/http/lean-enroll.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';
import { call, opensslCsr, type Resp } from './client.js';

let tmp: string;
let srv: RunningCaServer;
let ca: string;
let adminToken: string;

/** POST /v1/enroll with a chunked body (no Content-Length): always answered by the express app. */
function chunkedEnroll(raw: string): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/v1/enroll', srv.url),
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, ca, agent: false, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: JSON.parse(body.toString()) });
        });
      },
    );
    req.on('error', reject);
    req.write(raw.slice(0, 5));
    req.end(raw.slice(5));
  });
}

/** The same body with a Content-Length: the lean route. */
const leanEnroll = (raw: string): Promise<Resp> => call(srv.url, 'POST', '/v1/enroll', { ca, raw, headers: { 'content-type': 'application/json' } });

const SECURITY_HEADERS = [
  'x-content-type-options',
  'strict-transport-security',
  'x-frame-options',
  'content-security-policy',
  'referrer-policy',
  'content-type',
];

function shape(r: Resp) {
  return {
    status: r.status,
    json: r.json,
    headers: Object.fromEntries(SECURITY_HEADERS.map((h) => [h, r.headers[h]])),
    requestId: typeof r.headers['x-request-id'],
  };
}

async function newToken(subject: string): Promise<string> {
  const r = await call(srv.url, 'POST', '/v1/admin/tokens', { ca, token: adminToken, body: { subject } });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rapki-lean-enroll-'));
  const dir = join(tmp, 'ca');
  const init = await initCa({ dir, passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
  adminToken = init.adminToken;
  ca = readFileSync(init.root, 'utf8');
  srv = await startCaServer({ dir, listen: '127.0.0.1:0', env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE }, log: silentLogger() });
});

afterAll(async () => {
  await srv?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('lean POST /v1/enroll', () => {
  it('takes only plain JSON requests with a Content-Length within the limit', () => {
    const req = (method: string, url: string, headers: Record<string, string>) => ({ method, url, headers }) as unknown as IncomingMessage;
    const json = { 'content-type': 'application/json', 'content-length': '100' };
    expect(isLeanEnroll(req('POST', '/v1/enroll', json), 65536)).toBe(true);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'content-type': 'Application/JSON; charset=UTF-8' }), 65536)).toBe(true);
    expect(isLeanEnroll(req('GET', '/v1/enroll', json), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll?x=1', json), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll/info', json), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'content-type': 'application/json; charset=latin1' }), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'content-type': 'text/plain' }), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'content-length': '0' }), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'content-length': '65537' }), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'transfer-encoding': 'chunked' }), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { ...json, 'content-encoding': 'gzip' }), 65536)).toBe(false);
    expect(isLeanEnroll(req('POST', '/v1/enroll', { 'content-type': 'application/json' }), 65536)).toBe(false);
  });

  it('answers refusals exactly as the express route: status, {code, message}, headers', async () => {
    const k = opensslCsr(tmp, 'mismatch', '/CN=other.example.com', []);
    const token = await newToken('lean-1.example.com');
    const bodies = [
      '{"token":',
      '[1,2]',
      '"text"',
      JSON.stringify({ token: 'x', csr: 'y', extra: 1 }),
      JSON.stringify({ token: 1, csr: 'y' }),
      JSON.stringify({ csr: 'y' }),
      JSON.stringify({ token: 'rapki_et_nope', csr: k.csr }),
      JSON.stringify({ token, csr: k.csr }), // name_mismatch; the token stays unused
      JSON.stringify({ token, csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' }),
    ];
    const codes: string[] = [];
    for (const raw of bodies) {
      const lean = await leanEnroll(raw);
      const express = await chunkedEnroll(raw);
      expect(shape(lean), raw).toEqual(shape(express));
      expect(lean.status).toBeGreaterThanOrEqual(400);
      codes.push(lean.json.code as string);
    }
    expect(codes).toEqual([
      'invalid_json',
      'invalid_json',
      'invalid_json',
      'invalid_request',
      'invalid_request',
      'invalid_request',
      'token_invalid',
      'name_mismatch',
      'invalid_csr',
    ]);
  });

  it('issues through either path with the same response shape, counted under one route label', async () => {
    const before = (await call(srv.url, 'GET', '/metrics', { ca })).body.toString();
    const count = (text: string) => Number(/rapki_ca_http_requests_total\{method="POST",route="\/v1\/enroll",status="201"\} (\d+)/.exec(text)?.[1] ?? 0);
    const a = opensslCsr(tmp, 'lean-a', '/CN=lean-a.example.com', []);
    const b = opensslCsr(tmp, 'lean-b', '/CN=lean-b.example.com', []);
    const viaLean = await leanEnroll(JSON.stringify({ token: await newToken('lean-a.example.com'), csr: a.csr }));
    const viaExpress = await chunkedEnroll(JSON.stringify({ token: await newToken('lean-b.example.com'), csr: b.csr }));
    expect(viaLean.status).toBe(201);
    expect(shape(viaLean).headers).toEqual(shape(viaExpress).headers);
    expect(Object.keys(viaLean.json).sort()).toEqual(Object.keys(viaExpress.json).sort());
    expect(viaLean.json.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const after = (await call(srv.url, 'GET', '/metrics', { ca })).body.toString();
    expect(count(after) - count(before)).toBe(2);
  });
});
