import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaClient } from '../../../cli/src/ca-client/client.js';
import { caTrust, caUrl, connect } from '../../../cli/src/ca-client/connection.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { makeServerPki, startStub, type Pki, type StubServer } from './tls-fixture.js';

let dir: string;
let pki: Pki;
let stub: StubServer;
let stubWithRoot: StubServer;

const route = (r: { method: string; path: string; authorization: string | undefined }) => {
  if (r.path === '/v1/admin/tokens') {
    if (r.authorization !== 'Bearer rapki_at_test') return { status: 401, body: JSON.stringify({ code: 'unauthorized', message: 'bad admin token' }) };
    return { status: 201, body: JSON.stringify({ token: 'rapki_et_x', expiresAt: '2026-11-25T09:00:00.000Z' }) };
  }
  if (r.path === '/v1/boom') return { status: 502, body: '<html>bad gateway</html>', type: 'text/html' };
  if (r.path === '/v1/evil') return { status: 400, body: JSON.stringify({ code: 'Not A Code!', message: 'line1\n\u001b[31mred' }) };
  if (r.path === '/v1/big') return { status: 200, body: Buffer.alloc(2 * 1024 * 1024, 0x61) };
  return undefined;
};

beforeAll(async () => {
  dir = await makeTempDir('rapki-client-');
  pki = await makeServerPki(dir);
  stub = await startStub(pki, route);
  stubWithRoot = await startStub(pki, route, { includeRootInChain: true });
});
afterAll(async () => {
  await stub?.close();
  await stubWithRoot?.close();
  await removeTempDir(dir);
});

function client(s: StubServer, trust: ConstructorParameters<typeof CaClient>[0]['trust'], adminToken?: string): CaClient {
  return new CaClient({ url: s.url, trust, adminToken });
}

describe('trust through the root fingerprint', () => {
  it('finds the root via GET /v1/ca when the handshake leaves it out, then sends the secret on a verified connection', async () => {
    const colonUpper = pki.rootFingerprint.toUpperCase().match(/../g)!.join(':');
    const c = client(stub, { kind: 'fingerprint', fingerprint: colonUpper }, 'rapki_at_test');
    stub.seen.length = 0;
    try {
      const r = await c.json<{ token: string }>('POST', '/v1/admin/tokens', { json: { subject: 'h' }, admin: true });
      expect(r.token).toBe('rapki_et_x');
    } finally {
      c.close();
    }
    expect(stub.seen.map((s) => `${s.method} ${s.path} ${s.authorization ?? '-'}`)).toEqual(['GET /v1/ca -', 'POST /v1/admin/tokens Bearer rapki_at_test']);
  });

  it('uses the presented chain when the root is in it (no extra request)', async () => {
    const c = client(stubWithRoot, { kind: 'fingerprint', fingerprint: pki.rootFingerprint }, 'rapki_at_test');
    stubWithRoot.seen.length = 0;
    try {
      await c.json('POST', '/v1/admin/tokens', { json: {}, admin: true });
    } finally {
      c.close();
    }
    expect(stubWithRoot.seen.map((s) => s.path)).toEqual(['/v1/admin/tokens']);
  });

  it('refuses a wrong fingerprint before any secret is sent', async () => {
    const wrong = pki.rootFingerprint.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
    const c = client(stub, { kind: 'fingerprint', fingerprint: wrong }, 'rapki_at_test');
    stub.seen.length = 0;
    const err = await c.json('POST', '/v1/admin/tokens', { json: {}, admin: true }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    c.close();
    expect(err?.code).toBe('ca_fingerprint_mismatch');
    // It says which root the server presented (so a typo and a wrong server can be told apart).
    expect(err?.message).toContain(`presented root ${pki.rootFingerprint} (`);
    expect(err?.message).toContain(`not the pinned root ${wrong}`);
    expect(err?.message).toMatch(/--ca-fingerprint/);
    expect(stub.seen.every((s) => s.authorization === undefined && s.method === 'GET' && s.path === '/v1/ca')).toBe(true);
  });

  it('still checks the host name against the pinned chain', async () => {
    const url = new URL(stub.url);
    url.hostname = 'localhost'; // the server certificate names only IP:127.0.0.1
    const c = new CaClient({ url, trust: { kind: 'fingerprint', fingerprint: pki.rootFingerprint }, adminToken: 'rapki_at_test' });
    stub.seen.length = 0;
    await expect(c.json('POST', '/v1/admin/tokens', { json: {}, admin: true })).rejects.toMatchObject({ code: 'ca_tls_failed' });
    c.close();
    expect(stub.seen.some((s) => s.authorization !== undefined)).toBe(false);
  });
});

describe('trust through a CA file', () => {
  it('works with the right root', async () => {
    const c = client(stub, { kind: 'file', path: pki.rootPath }, 'rapki_at_test');
    try {
      await expect(c.json('POST', '/v1/admin/tokens', { json: {}, admin: true })).resolves.toMatchObject({ token: 'rapki_et_x' });
    } finally {
      c.close();
    }
  });
  it('fails TLS with another root and sends nothing', async () => {
    const c = client(stub, { kind: 'file', path: pki.otherRootPath }, 'rapki_at_test');
    stub.seen.length = 0;
    await expect(c.json('POST', '/v1/admin/tokens', { json: {}, admin: true })).rejects.toMatchObject({ code: 'ca_tls_failed' });
    c.close();
    expect(stub.seen).toEqual([]);
  });
  it('refuses a file without certificates', async () => {
    const c = client(stub, { kind: 'file', path: `${dir}/server.ext` });
    await expect(c.trust()).rejects.toMatchObject({ code: 'ca_file_invalid' });
  });
});

describe('responses', () => {
  const fp = () => ({ kind: 'fingerprint' as const, fingerprint: pki.rootFingerprint });
  it("passes the server's {code, message} through", async () => {
    const c = client(stub, fp(), 'wrong');
    await expect(c.json('POST', '/v1/admin/tokens', { json: {}, admin: true })).rejects.toMatchObject({ code: 'unauthorized', message: 'bad admin token' });
    c.close();
  });
  it('maps a non-JSON error to ca_http_error with the status', async () => {
    const c = client(stub, fp());
    await expect(c.request('GET', '/v1/boom')).rejects.toMatchObject({ code: 'ca_http_error', message: 'the CA server answered HTTP 502' });
    c.close();
  });
  it('does not echo malformed codes or terminal control characters', async () => {
    const c = client(stub, fp());
    const err = await c.request('GET', '/v1/evil').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ca_http_error' });
    // eslint-disable-next-line no-control-regex -- ESC starts a terminal control sequence: it must not reach the terminal
    expect((err as Error).message).not.toMatch(/[\n\u001b]/);
    c.close();
  });
  it('stops reading past the size limit', async () => {
    const c = client(stub, fp());
    await expect(c.request('GET', '/v1/big', { maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'ca_response_too_large' });
    c.close();
  });
  it('refuses an admin call without a token before connecting', async () => {
    const c = client(stub, fp());
    stub.seen.length = 0;
    await expect(c.request('POST', '/v1/admin/tokens', { admin: true })).rejects.toMatchObject({ code: 'admin_token_missing' });
    c.close();
    expect(stub.seen.filter((s) => s.path !== '/v1/ca')).toEqual([]);
  });
});

describe('network errors', () => {
  it('name the URL tried and the flag and variable that set it', async () => {
    // A port that was free a moment ago: connecting is refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const c = new CaClient({ url: new URL(`https://127.0.0.1:${port}`), trust: { kind: 'fingerprint', fingerprint: pki.rootFingerprint } });
    const err = (await c.request('GET', '/v1/ca').catch((e: unknown) => e)) as { code: string; message: string };
    c.close();
    expect(err.code).toBe('ca_unreachable');
    expect(err.message).toContain(`https://127.0.0.1:${port}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).toContain('--ca-url or RAPKI_CA_URL');
  });
});

describe('connection flags and environment', () => {
  it('needs an https URL', () => {
    expect(() => caUrl({}, {})).toThrow(expect.objectContaining({ code: 'ca_url_missing' }));
    expect(() => caUrl({ 'ca-url': 'http://x' }, {})).toThrow(expect.objectContaining({ code: 'ca_url_invalid' }));
    expect(caUrl({}, { RAPKI_CA_URL: 'https://ca:8443' }).port).toBe('8443');
  });
  it('takes the fingerprint from the flag, then the environment, then a CA file, else fails', () => {
    const fpA = 'AB'.repeat(32);
    expect(caTrust({ 'ca-fingerprint': fpA }, {})).toEqual({ kind: 'fingerprint', fingerprint: 'ab'.repeat(32) });
    expect(caTrust({}, { RAPKI_CA_FINGERPRINT: fpA.match(/../g)!.join(':') })).toEqual({ kind: 'fingerprint', fingerprint: 'ab'.repeat(32) });
    expect(caTrust({ 'ca-file': '/x' }, {})).toEqual({ kind: 'file', path: '/x' });
    expect(caTrust({}, {}, '/fallback')).toEqual({ kind: 'file', path: '/fallback' });
    expect(() => caTrust({}, {})).toThrow(expect.objectContaining({ code: 'ca_trust_missing' }));
    expect(() => caTrust({ 'ca-fingerprint': 'abc' }, {})).toThrow(expect.objectContaining({ code: 'ca_fingerprint_invalid' }));
  });
  it('reads the admin token from the environment or a file, never a flag', async () => {
    await expect(connect({ 'ca-url': 'https://x', 'ca-fingerprint': 'ab'.repeat(32) }, {}, { admin: true })).rejects.toMatchObject({
      code: 'admin_token_missing',
    });
    const c = await connect({ 'ca-url': 'https://x', 'ca-fingerprint': 'ab'.repeat(32) }, { RAPKI_ADMIN_TOKEN: 't' }, { admin: true });
    expect(c).toBeInstanceOf(CaClient);
    await expect(
      connect({ 'ca-url': 'https://x', 'ca-fingerprint': 'ab'.repeat(32), 'admin-token-file': `${dir}/missing` }, {}, { admin: true }),
    ).rejects.toMatchObject({ code: 'secret_file_invalid' });
  });
});
