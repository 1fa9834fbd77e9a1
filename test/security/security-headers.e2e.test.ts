/**
 * Control "security headers" (docs/security.md): every CA server response — success or error,
 * public, enrollment or admin — carries nosniff, HSTS, frame denial, a deny-all CSP and
 * no-referrer (ca-server/src/http/request-context.ts); admin answers (even 401/403) and answers
 * naming a token are `Cache-Control: no-store` (http/admin-auth.ts, enroll-routes.ts, app.ts);
 * no framework fingerprint (x-powered-by) and errors are JSON `{code, message}`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';
import { caRequest, postJson, type CaAnswer } from './helpers/https.js';

describe('security headers on CA server responses', () => {
  let ca: CaServerProcess;
  let root: string;
  let operatorToken: string;
  let enrollToken: string;
  const answers: Record<string, CaAnswer> = {};

  beforeAll(async () => {
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
    const op = await postJson(ca.url, '/v1/admin/admin-tokens', root, { name: 'ops', role: 'operator' }, ca.adminToken);
    operatorToken = (JSON.parse(op.body) as { token: string }).token;
    const t = await runCli(['token', 'create', '--subject', 'hdr-host', '--json'], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken },
    });
    enrollToken = (JSON.parse(t.out) as { token: string }).token;

    const get = (p: string, bearer?: string) => caRequest(ca.url, p, { ca: root, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    answers['GET /v1/ca'] = await get('/v1/ca');
    answers['GET /v1/crl'] = await get('/v1/crl');
    answers['GET /v1/crl.pem'] = await get('/v1/crl.pem');
    answers['GET /healthz'] = await get('/healthz');
    answers['GET /readyz'] = await get('/readyz');
    answers['GET /metrics'] = await get('/metrics');
    answers['GET /nope (404)'] = await get('/nope');
    answers['GET /v1/enroll (405)'] = await get('/v1/enroll');
    answers['POST /v1/enroll/info'] = await postJson(ca.url, '/v1/enroll/info', root, { token: enrollToken });
    answers['POST /v1/enroll bad token (401/403)'] = await postJson(ca.url, '/v1/enroll', root, { token: 'rapki_et_' + 'x'.repeat(43), csr: 'x' });
    answers['GET /v1/admin/certificates no auth (401)'] = await get('/v1/admin/certificates');
    answers['GET /v1/admin/certificates wrong token (401)'] = await get('/v1/admin/certificates', 'rapki_at_' + 'y'.repeat(43));
    answers['GET /v1/admin/certificates admin (200)'] = await get('/v1/admin/certificates', ca.adminToken);
    answers['GET /v1/admin/audit operator (200)'] = await get('/v1/admin/audit', operatorToken);
    answers['POST /v1/admin/hosts/x/revoke operator (403)'] = await postJson(ca.url, '/v1/admin/hosts/x/revoke', root, {}, operatorToken);
    answers['POST /v1/admin/tokens admin (201)'] = await postJson(ca.url, '/v1/admin/tokens', root, { subject: 'hdr-2' }, ca.adminToken);
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
  });

  it('got the statuses the cases are named for (so each header check covers that path)', () => {
    const status = Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, a.status]));
    expect(status).toMatchObject({
      'GET /v1/ca': 200,
      'GET /v1/crl': 200,
      'GET /healthz': 200,
      'GET /nope (404)': 404,
      'GET /v1/enroll (405)': 405,
      'POST /v1/enroll/info': 200,
      'GET /v1/admin/certificates no auth (401)': 401,
      'GET /v1/admin/certificates wrong token (401)': 401,
      'GET /v1/admin/certificates admin (200)': 200,
      'GET /v1/admin/audit operator (200)': 200,
      'POST /v1/admin/hosts/x/revoke operator (403)': 403,
      'POST /v1/admin/tokens admin (201)': 201,
    });
    expect(answers['POST /v1/enroll bad token (401/403)']!.status).toBeGreaterThanOrEqual(400);
    expect(answers['POST /v1/enroll bad token (401/403)']!.status).toBeLessThan(500);
  });

  it('every response: nosniff, HSTS (1 year), X-Frame-Options DENY, deny-all CSP, no-referrer, no x-powered-by', () => {
    for (const [name, a] of Object.entries(answers)) {
      expect({ name, v: a.headers['x-content-type-options'] }).toEqual({ name, v: 'nosniff' });
      expect({ name, v: a.headers['strict-transport-security'] }).toEqual({ name, v: 'max-age=31536000' });
      expect({ name, v: a.headers['x-frame-options'] }).toEqual({ name, v: 'DENY' });
      expect({ name, v: a.headers['content-security-policy'] }).toEqual({ name, v: "default-src 'none'; frame-ancestors 'none'" });
      expect({ name, v: a.headers['referrer-policy'] }).toEqual({ name, v: 'no-referrer' });
      expect({ name, v: a.headers['x-powered-by'] }).toEqual({ name, v: undefined });
      expect({ name, id: /^[A-Za-z0-9._-]{1,64}$/.test(String(a.headers['x-request-id'])) }).toEqual({ name, id: true });
    }
  });

  it('admin answers (including 401 and 403), token lookups and health are Cache-Control: no-store', () => {
    for (const [name, a] of Object.entries(answers)) {
      if (!/admin|enroll\/info|healthz|readyz|metrics/.test(name)) continue;
      expect({ name, v: a.headers['cache-control'] }).toEqual({ name, v: 'no-store' });
    }
    expect(answers['GET /v1/admin/certificates no auth (401)']!.headers['www-authenticate']).toMatch(/^Bearer realm="rapki-ca"/);
  });

  it('errors are JSON {code, message} and say nothing about the internals', () => {
    for (const [name, a] of Object.entries(answers)) {
      if (a.status < 400) continue;
      expect({ name, type: a.headers['content-type'] }).toEqual({ name, type: expect.stringMatching(/^application\/json/) as unknown as string });
      const j = JSON.parse(a.body) as Record<string, unknown>;
      expect(Object.keys(j).sort()).toEqual(['code', 'message']);
      expect(j.code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(a.body).not.toMatch(/at .*\.(js|ts):\d+|node_modules|Error:/);
    }
  });
});
