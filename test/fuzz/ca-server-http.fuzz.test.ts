/**
 * Hostile input for the CA server (`ca-server/src/http/`, `ca-server/src/authority/`): JSON
 * bodies of `/v1/enroll`, `/v1/enroll/info`, `/v1/admin/tokens`, `/v1/admin/admin-tokens`,
 * revocation; bearer and enrollment token strings; serial and host path parameters; query strings;
 * CSRs in enrollment; oversized and malformed bodies. Every refusal is a 4xx `{code, message}`
 * whose code and status are those of the registry (CA_ERROR_CODES) — never a 5xx (docs/security.md,
 * threat 7).
 *
 * The bulk runs in process on the pure validators the routes use; a few hundred requests go to a
 * real server (`startCaServer`, HTTPS on 127.0.0.1:0, real SQLite) over one keep-alive agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa } from '../../ca-server/src/init.js';
import { startCaServer, type RunningCaServer } from '../../ca-server/src/serve.js';
import { silentLogger } from '../../ca-server/src/logger.js';
import { CA_ERROR_CODES, httpStatusOf } from '../../ca-server/src/errors.js';
import { validateBody } from '../../ca-server/src/http/validate.js';
import { parseDurationSeconds } from '../../ca-server/src/authority/durations.js';
import { normalizeSerial } from '../../ca-server/src/authority/serial.js';
import { createCsr } from '../ca-server/x509/create-csr.js';
import { derToPem } from '../../common/src/x509/pem.js';
import {
  coded,
  fcParams,
  fuzzProperty,
  fuzzTimeout,
  heapAfterGc,
  hostilePem,
  hostileString,
  MAX_HEAP_GROWTH_BYTES,
  mutatedText,
  withSeed,
} from '../support/fuzz.js';

const PASSPHRASE = 'test-only-fuzz-ca-passphrase';
const name = (): string => expect.getState().currentTestName ?? 'ca-server';
const CA_CODES: ReadonlySet<string> = new Set(CA_ERROR_CODES);

/** JSON values of every type, and strings that trip naive code. */
const hostileJson = (valid?: unknown): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.constant(valid), weight: valid === undefined ? 0 : 4 },
    { arbitrary: hostileString(80), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
    { arbitrary: fc.constantFrom({ toString: 1 }, [], [['x']], 1e308, -1, 0, 1.5, '0s', '999999999d', 'x'.repeat(2000), null, true), weight: 1 },
  );

describe('fuzz: CA server validators in process', () => {
  it(
    'validateBody: the body or invalid_request, for any JSON object and spec',
    () => {
      const spec = {
        subject: { type: 'string', required: true, maxLength: 64 },
        sans: { type: 'string[]', maxItems: 10, maxLength: 1024 },
        ttl: { type: 'duration' },
      } as const;
      const body = fc.oneof(
        fc.record({ subject: hostileJson('host'), sans: hostileJson(['dns:a']), ttl: hostileJson('1h') }, { requiredKeys: [] }),
        fc.dictionary(hostileString(12), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
        fc.constant(JSON.parse('{"__proto__":{"x":1},"subject":"a"}') as Record<string, unknown>),
      );
      fuzzProperty(name(), body, 20_000, (b) => {
        const r = coded(() => validateBody(b as Record<string, unknown>, spec), CA_CODES);
        if (r.ok) expect(typeof r.value.subject).toBe('string');
        else expect(r.code).toBe('invalid_request');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'parseDurationSeconds: a positive integer or invalid_request',
    () => {
      const text = fc
        .tuple(fc.constantFrom('', ' ', '-', '0'), fc.nat(), fc.constantFrom('s', 'm', 'h', 'd', 'y', '', ' s'))
        .map(([a, n, u]) => `${a}${n}${u}`);
      fuzzProperty(name(), fc.oneof(text, hostileJson('1h')), 20_000, (v) => {
        const r = coded(() => parseDurationSeconds(v, 'ttl'), CA_CODES);
        // Any positive integer (the authority bounds it: ttl_too_long), never NaN or a fraction.
        if (r.ok) expect(Number.isInteger(r.value) && r.value > 0).toBe(true);
        else expect(r.code).toBe('invalid_request');
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'normalizeSerial (path parameter): canonical hex or serial_invalid',
    () => {
      const pasted = fc
        .tuple(
          fc.constantFrom('', 'serial=', '0x', ' '),
          fc.array(fc.stringMatching(/^[0-9a-fA-F]{1,2}$/), { maxLength: 44 }),
          fc.constantFrom('', ':', ' ', '-'),
        )
        .map(([p, parts, sep]) => p + parts.join(sep));
      fuzzProperty(name(), fc.oneof(pasted, hostileString(100)), 20_000, (s) => {
        const r = coded(() => normalizeSerial(s), CA_CODES);
        if (r.ok) {
          expect(r.value).toMatch(/^([0-9a-f]{2}){1,20}$/);
          expect(normalizeSerial(r.value)).toBe(r.value);
        } else expect(r.code).toBe('serial_invalid');
      });
    },
    fuzzTimeout(30_000),
  );
});

describe('fuzz: CA server over HTTPS', () => {
  let tmp: string;
  let srv: RunningCaServer;
  let adminToken: string;
  let enrollToken: string;
  let ca: string;
  let agent: Agent;
  let csrs: Uint8Array[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rapki-fuzz-ca-'));
    const dir = join(tmp, 'ca');
    const init = await initCa({ dir, passphrase: PASSPHRASE, keyEncryption: { N: 2 ** 14, r: 8, p: 1 } });
    adminToken = init.adminToken;
    ca = readFileSync(init.root, 'utf8');
    srv = await startCaServer({
      dir,
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: PASSPHRASE },
      log: silentLogger(),
      rateLimits: { enroll: { ratePerSecond: 100_000, burst: 100_000 }, admin: { ratePerSecond: 100_000, burst: 100_000 } },
    });
    agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
    const t = await call('POST', '/v1/admin/tokens', {
      auth: `Bearer ${adminToken}`,
      body: JSON.stringify({ subject: 'fuzz-host.example.test', sans: ['dns:fuzz-host.example.test'] }),
    });
    expect(t.status).toBe(201);
    enrollToken = JSON.parse(t.body).token as string;
    // CSRs for ANOTHER name: intact ones end in 403 name_mismatch, so the token is never used up.
    csrs = [
      createCsr({ subject: 'CN=other.example.test', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }),
      createCsr({
        subject: 'CN=other.example.test',
        sans: [{ type: 'dns', value: 'other.example.test' }],
        privateKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
      }),
    ];
  }, 120_000);

  afterAll(async () => {
    agent?.destroy();
    await srv?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  interface Resp {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }

  function call(method: string, path: string, o: { auth?: string; body?: string | Buffer; contentType?: string } = {}): Promise<Resp> {
    const headers: Record<string, string> = {};
    if (o.body !== undefined) {
      headers['content-type'] = o.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(o.body));
    }
    if (o.auth !== undefined) headers.authorization = o.auth;
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, srv.url), { method, headers, agent, servername: 'localhost', timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('timeout', () => req.destroy(new Error('request timed out (hang)')));
      req.on('error', reject);
      req.end(o.body);
    });
  }

  /** 2xx, or a 4xx `{code, message}` with the code's own status from the registry. */
  function expectCoded(r: Resp, what: string): void {
    if (r.status >= 200 && r.status < 300) return;
    if (r.status < 400 || r.status >= 500) throw new Error(`${what}: status ${r.status} ${r.body.slice(0, 300)}`);
    let j: { code?: unknown; message?: unknown };
    try {
      j = JSON.parse(r.body) as typeof j;
    } catch {
      throw new Error(`${what}: ${r.status} without a JSON body: ${r.body.slice(0, 200)}`);
    }
    expect(Object.keys(j).sort()).toEqual(['code', 'message']);
    expect(typeof j.code === 'string' && CA_CODES.has(j.code)).toBe(true);
    expect(r.status).toBe(httpStatusOf(j.code as string));
  }

  /** Header-safe text (printable latin1, no CR/LF). */
  const headerSafe = (s: string): string => s.replace(/[^\x20-\x7e\x80-\xff]/g, '');

  it(
    'enroll with hostile CSRs (PEM damage, DER mutations, unicode) under a valid token: coded 4xx',
    async () => {
      await withSeed(async () => {
        const before = heapAfterGc();
        const csr = fc.oneof(
          hostilePem('CERTIFICATE REQUEST', csrs),
          mutatedText(csrs.map((c) => derToPem(c, 'CERTIFICATE REQUEST'))),
          fc.constant(derToPem(csrs[0]!, 'CERTIFICATE REQUEST')),
        );
        const codes = new Map<string, number>();
        await fc.assert(
          fc.asyncProperty(csr, async (pem) => {
            const r = await call('POST', '/v1/enroll', { body: JSON.stringify({ token: enrollToken, csr: pem }) });
            expectCoded(r, 'enroll');
            const code = r.status < 300 ? 'ok' : (JSON.parse(r.body) as { code: string }).code;
            codes.set(code, (codes.get(code) ?? 0) + 1);
          }),
          fcParams(200),
        );
        // The CSRs were parsed (not refused for the token): invalid ones 400, intact ones 403.
        expect(codes.get('invalid_csr')).toBeGreaterThan(0);
        expect(codes.get('name_mismatch')).toBeGreaterThan(0);
        expect(heapAfterGc() - before).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
      });
    },
    fuzzTimeout(90_000),
  );

  it(
    'hostile bodies, tokens, serials, host names and queries on every route: coded 4xx (or success)',
    async () => {
      const bearer = fc.oneof(
        { arbitrary: fc.constant(() => `Bearer ${adminToken}`), weight: 4 },
        { arbitrary: hostileString(60).map((s) => () => headerSafe(`Bearer ${s}`)), weight: 1 },
        {
          arbitrary: fc.constantFrom(
            () => 'Bearer',
            () => `bearer ${adminToken} x`,
            () => `Basic ${Buffer.from('a:b').toString('base64')}`,
            () => `Bearer ${'a'.repeat(300)}`,
            () => '',
          ),
          weight: 1,
        },
      );
      const seg = fc.oneof(
        hostileString(30).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
        fc.constantFrom('%zz', '..', '%2F..', '0', 'serial=0A:1B', '00'.repeat(25), 'x'.repeat(300)),
      );
      const route = fc.oneof(
        fc.record({
          m: fc.constant('POST'),
          p: fc.constant('/v1/enroll'),
          body: fc.record({ token: hostileJson(enrollToken), csr: hostileJson('x'), extra: hostileJson() }, { requiredKeys: [] }),
        }),
        fc.record({
          m: fc.constant('POST'),
          p: fc.constant('/v1/enroll/info'),
          body: fc.record({ token: hostileJson(enrollToken), x: hostileJson() }, { requiredKeys: [] }),
        }),
        fc.record({
          m: fc.constant('POST'),
          p: fc.constant('/v1/admin/tokens'),
          body: fc.record(
            { subject: hostileJson('h.example.test'), sans: hostileJson(['dns:h.example.test']), ttl: hostileJson('1h'), certTtl: hostileJson('1d') },
            { requiredKeys: [] },
          ),
        }),
        fc.record({
          m: fc.constant('POST'),
          p: fc.constant('/v1/admin/admin-tokens'),
          body: fc.record({ name: hostileJson('ops'), role: hostileJson('operator') }, { requiredKeys: [] }),
        }),
        fc.record({
          m: fc.constant('POST'),
          p: seg.map((s) => `/v1/admin/certificates/${s}/revoke`),
          body: fc.record({ reason: hostileJson('keyCompromise') }, { requiredKeys: [] }),
        }),
        fc.record({
          m: fc.constant('POST'),
          p: seg.map((s) => `/v1/admin/hosts/${s}/revoke`),
          body: fc.record({ reason: hostileJson('superseded') }, { requiredKeys: [] }),
        }),
        fc.record({
          m: fc.constant('GET'),
          p: fc
            .tuple(fc.constantFrom('/v1/admin/certificates', '/v1/admin/audit'), fc.constantFrom('host', 'status', 'cursor', 'limit', 'x'), seg)
            .map(([p, k, v]) => `${p}?${k}=${v}&${k}=${v}`.slice(0, p.length + 1 + (v.length % 3 === 0 ? 9999 : k.length + v.length + 1))),
          body: fc.constant(undefined),
        }),
      );
      const raw = fc.oneof(
        { arbitrary: route.map((r) => ({ ...r, raw: r.body === undefined ? undefined : JSON.stringify(r.body), contentType: 'application/json' })), weight: 8 },
        {
          arbitrary: fc.record({
            m: fc.constant('POST'),
            p: fc.constantFrom('/v1/enroll', '/v1/admin/tokens', '/v1/renew'),
            body: fc.constant(undefined),
            raw: fc.oneof(
              fc.string({ unit: 'binary', maxLength: 200 }),
              fc.constantFrom('[]', 'null', '"x"', '{', '{"token":', `{"token":"${'a'.repeat(70_000)}"}`),
            ),
            contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', 'application/json; charset=utf-16'),
          }),
          weight: 2,
        },
      );
      await fc.assert(
        fc.asyncProperty(raw, bearer, async (c, auth) => {
          const r = await call(c.m, c.p, { auth: auth(), ...(c.raw !== undefined ? { body: c.raw, contentType: c.contentType } : {}) });
          expectCoded(r, `${c.m} ${c.p}`);
        }),
        fcParams(300),
      );
      // The server still works after all of it.
      expect((await call('GET', '/healthz')).status).toBe(200);
    },
    fuzzTimeout(120_000),
  );

  it('regression: a path parameter that is not valid percent-encoding is 400 invalid_request, not a 500', async () => {
    for (const p of ['/v1/admin/hosts/%zz/revoke', '/v1/admin/certificates/%E0%A4%A/revoke', '/v1/admin/hosts/%/unblock']) {
      const r = await call('POST', p, { auth: `Bearer ${adminToken}`, body: '{}' });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).code).toBe('invalid_request');
    }
  });
});
