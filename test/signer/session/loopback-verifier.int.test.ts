/**
 * The verifier must be able to fail: replays of a valid request with any signed part changed are
 * refused (otherwise the acceptance tests would prove nothing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
import { createSession } from '../../../signer/src/session/create-session.js';
import { startLoopbackVerifier, type LoopbackVerifier, type RecordedRequest } from '../../support/loopback-verifier.js';
import { ARNS, TestPki } from './test-pki.js';

let dir: string;
let verifier: LoopbackVerifier;
let good: RecordedRequest;

function replay(r: RecordedRequest, change: { url?: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string' && k !== 'content-length') headers[k] = v;
  Object.assign(headers, change.headers);
  const body = change.body ?? r.body;
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: verifier.port, method: 'POST', path: change.url ?? r.url, headers, ca: verifier.caPem }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-verifier-test-'));
  const pki = new TestPki(dir);
  const leaf = pki.leaf('p256', { withChain: true });
  verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() });
  const signer = await loadKeySigner({ certificate: leaf.certFile, privateKey: leaf.keyFile, intermediates: leaf.chainFile });
  await createSession(signer, { ...ARNS, endpoint: verifier.url, caBundle: verifier.caPem });
  good = verifier.requests[0]!;
});

afterAll(async () => {
  await verifier?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loopback verifier', () => {
  it('accepts an unchanged replay', async () => {
    expect(good.verdict).toBe('ok');
    expect((await replay(good, {})).status).toBe(201);
  });

  type Change = Parameters<typeof replay>[1];
  const auth = (): string => String(good.headers.authorization);
  it.each<[string, () => Change]>([
    ['body', () => ({ body: '{"durationSeconds":3601}' })],
    ['query', () => ({ url: good.url.replace('rapki-test', 'rapki-tesT') })],
    ['path', () => ({ url: good.url.replace('/sessions', '/Sessions') })],
    ['content-type', () => ({ headers: { 'content-type': 'application/x-amz-json-1.0' } })],
    ['host', () => ({ headers: { host: '127.0.0.1' } })],
    ['chain removed', () => ({ headers: { 'x-amz-x509-chain': '' } })],
    ['signature', () => ({ headers: { authorization: auth().replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`) } })],
    ['serial', () => ({ headers: { authorization: auth().replace(/Credential=\d/, 'Credential=9') } })],
  ])('refuses a replay with a changed %s', async (_what, change) => {
    const c = change();
    expect(JSON.stringify(c)).not.toContain('undefined');
    const res = await replay(good, c);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a date outside 5 minutes', async () => {
    const old = new Date(Date.now() - 6 * 60_000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const res = await replay(good, { headers: { 'x-amz-date': old } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toMatch(/expired/);
  });
});
