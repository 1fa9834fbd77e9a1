/**
 * Hostile input for the emulator (`emulator/src/`): the CreateSession request path (X-Amz-X509
 * and X-Amz-X509-Chain headers, Authorization, X-Amz-Date, JSON bodies, query strings), the
 * control-plane JSON bodies (trust-anchor bundles, profiles, CRL import `crlData`, tags), and
 * junk requests over real HTTP. Every refusal must be a 4xx ServiceError — over HTTP a 4xx with
 * `x-amzn-errortype` and a JSON `{message}` (XML `<Error>` on the STS face) — never a 500 or a
 * hang (docs/security.md, threat 7).
 *
 * The tens of thousands of cases run in process against the same functions the HTTP handler
 * calls (`parseAuthorization`, `createSession`, the route handlers); requests are SIGNED with
 * the leaf key after mutation, so hostile bodies, chains and leaves get past the signature
 * check into the deeper steps. A few hundred requests then go over loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPrivateKey, randomBytes, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/src/index.js';
import type { EmulatorContext } from '../../emulator/src/context.js';
import { openStateStore } from '../../emulator/src/state/store.js';
import { createClock } from '../../emulator/src/clock.js';
import { parseAmzDate, parseAuthorization } from '../../emulator/src/auth/authorization-header.js';
import { createSession } from '../../emulator/src/session/create-session.js';
import { parseCreateSessionParams } from '../../emulator/src/session/parameters.js';
import { canonicalRequest, stringToSign } from '../../emulator/src/session/canonical-request.js';
import { matchRoute } from '../../emulator/src/control-plane/routes.js';
import { bodyObject } from '../../emulator/src/control-plane/validate.js';
import { ServiceError } from '../../emulator/src/service-error.js';
import type { WireRequest } from '../../emulator/src/http/wire-request.js';
import { makeCrl, makeIntermediateCa, makeLeaf, makeRootCa, revoke, type TestCa } from '../support/emulator-pki.js';
import { signedCall } from '../emulator/helpers/rest-json-signer.js';
import {
  fcParams,
  fuzzProperty,
  fuzzTimeout,
  heapAfterGc,
  hostileDer,
  hostilePem,
  hostileString,
  MAX_HEAP_GROWTH_BYTES,
  mutateBytes,
  mutatedText,
  prng,
} from '../support/fuzz.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/app-role';
const REGION = 'us-east-1';
const name = (): string => expect.getState().currentTestName ?? 'emulator';

let dir: string;
let root: TestCa;
let inter: TestCa;
let ctx: EmulatorContext;
let trustAnchorArn: string;
let profileArn: string;
let profileId: string;
let trustAnchorId: string;
interface Signer {
  der: Buffer;
  key: KeyObject;
  serialDecimal: string;
}
let leaves: Signer[] = [];
let chainDers: Buffer[] = [];
let crlPem = '';

/** Control-plane call in process: the steps of http/server.ts `controlPlane` after authentication. */
function cp(method: string, rawPath: string, body: string | undefined, rawQuery = ''): { status: number; body: unknown } {
  const route = matchRoute(method, rawPath);
  if (!route) throw new ServiceError(404, 'UnknownOperationException', 'Unknown operation');
  let parsed: unknown;
  if (body !== undefined && body.length > 0) {
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ServiceError(400, 'SerializationException', 'Request body is not valid JSON');
    }
  }
  return route.handler(ctx, {
    params: route.params,
    query: new URLSearchParams(rawQuery),
    body: bodyObject(parsed),
    callerArn: 'arn:aws:iam::123456789012:user/fuzz',
  });
}

/**
 * The HTTP handler's classification: a ServiceError keeps its status, a SyntaxError is a 400,
 * anything else is a 500. Returns the status; fails on a would-be 5xx.
 */
function outcome(fn: () => { status: number }): number {
  try {
    const r = fn();
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect(r.status).toBeLessThan(300);
    return r.status;
  } catch (err) {
    if (err instanceof ServiceError) {
      if (err.status >= 400 && err.status < 500 && err.message.length > 0) return err.status;
      throw new Error(`ServiceError ${err.status} ${err.type}: ${err.message}`, { cause: err });
    }
    if (err instanceof SyntaxError) return 400;
    const e = err as Error;
    throw new Error(`would be a 500: ${e?.name} ${e?.message}\n${(e?.stack ?? '').split('\n').slice(1, 5).join('\n')}`, { cause: err });
  }
}

/** encodeURIComponent that also takes lone surrogates (as U+FFFD) instead of throwing. */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

const amz = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

interface SessionParts {
  leaf: Signer;
  /** Certificate bytes sent in X-Amz-X509 (may differ from leaf.der). */
  x509?: string;
  chain?: string;
  rawQuery: string;
  body: Buffer;
  contentType?: string;
  date?: string;
  extraHeaders?: Record<string, string>;
  /** Credential id override (default: the serial of the sent certificate, else the leaf's). */
  credential?: string;
}

/** A CreateSession WireRequest, signed with the leaf key over exactly these (hostile) parts. */
function signedWire(p: SessionParts): WireRequest {
  const date = p.date ?? amz(ctx.clock.now());
  const headers: Record<string, string> = {
    host: 'rolesanywhere.us-east-1.amazonaws.com',
    'content-type': p.contentType ?? 'application/json',
    'x-amz-date': date,
    'x-amz-x509': p.x509 ?? p.leaf.der.toString('base64'),
    ...(p.extraHeaders ?? {}),
  };
  if (p.chain !== undefined) headers['x-amz-x509-chain'] = p.chain;
  const signedHeaders = Object.keys(headers).sort();
  const wire: WireRequest = { method: 'POST', rawPath: '/sessions', rawQuery: p.rawQuery, headers, body: p.body };
  const alg = p.leaf.key.asymmetricKeyType === 'rsa' ? 'AWS4-X509-RSA-SHA256' : 'AWS4-X509-ECDSA-SHA256';
  const scope = `${date.slice(0, 8)}/${REGION}/rolesanywhere/aws4_request`;
  const canonical = canonicalRequest(wire, signedHeaders) ?? '';
  const sig = sign('sha256', Buffer.from(stringToSign(alg, date.trim(), scope, canonical), 'utf8'), p.leaf.key);
  let credential = p.credential ?? p.leaf.serialDecimal;
  if (p.x509 !== undefined && p.credential === undefined) {
    try {
      credential = BigInt(`0x${new X509Certificate(Buffer.from(p.x509, 'base64')).serialNumber}`).toString(10);
    } catch {
      /* keep the leaf's */
    }
  }
  headers.authorization = `${alg} Credential=${credential}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig.toString('hex')}`;
  return wire;
}

const validQuery = (): string =>
  [`profileArn=${encodeURIComponent(profileArn)}`, `roleArn=${encodeURIComponent(ROLE_ARN)}`, `trustAnchorArn=${encodeURIComponent(trustAnchorArn)}`].join('&');

/** Values of any JSON type, plus the ones that trip naive code (toString keys, huge numbers). */
const hostileJsonValue = (valid: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.constant(valid), weight: 6 },
    { arbitrary: hostileString(60), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
    {
      arbitrary: fc.constantFrom({ toString: 1 }, { valueOf: 'x', toString: null }, [valid], 1e308, -0, 43200.5, '900', '-1', '99999999999999999999', null),
      weight: 2,
    },
  );

/** A CreateSession JSON body: the three ARNs, duration, session name, instance properties. */
const hostileSessionBody = (): fc.Arbitrary<Buffer> =>
  fc
    .record(
      {
        trustAnchorArn: hostileJsonValue(trustAnchorArn),
        profileArn: hostileJsonValue(profileArn),
        roleArn: hostileJsonValue(ROLE_ARN),
        durationSeconds: fc.oneof(fc.integer(), fc.double(), fc.constantFrom('900', '3600', 'NaN', 1e21, { toString: 1 })),
        roleSessionName: hostileJsonValue('fuzz-session'),
        instanceProperties: fc.oneof(
          fc.dictionary(hostileString(10), hostileJsonValue('v'), { maxKeys: 6 }),
          fc.jsonValue({ maxDepth: 2 }),
          fc.constant({ __proto__: 'x', toString: 'y' }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((o) => Buffer.from(JSON.stringify(o)));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-fuzz-emu-'));
  root = makeRootCa(join(dir, 'root'), 'Fuzz Root');
  inter = makeIntermediateCa(join(dir, 'inter'), 'Fuzz Issuing', root);
  const mk = (l: { certPem: string; keyPem: string }): Signer => {
    const x = new X509Certificate(l.certPem);
    return { der: x.raw, key: createPrivateKey(l.keyPem), serialDecimal: BigInt(`0x${x.serialNumber}`).toString(10) };
  };
  leaves = [
    mk(makeLeaf(root, { san: 'DNS:a.example.test,URI:spiffe://example.test/app,email:x@example.test', extraSubject: '/OU=a/OU=b' })),
    mk(makeLeaf(root, { cn: 'x'.repeat(64) })),
    mk(makeLeaf(root, { keyUsage: null })),
    mk(makeLeaf(root, { ca: true })),
  ];
  const revokedLeaf = makeLeaf(root, {});
  revoke(root, revokedLeaf.certPath);
  leaves.push(mk(revokedLeaf));
  const interLeaf = makeLeaf(inter, {});
  leaves.push(mk(interLeaf));
  chainDers = [new X509Certificate(inter.certPem).raw, new X509Certificate(root.certPem).raw];
  crlPem = makeCrl(root);

  ctx = {
    store: openStateStore(undefined),
    clock: createClock(),
    accountId: '123456789012',
    region: REGION,
    roleMaxSessionDuration: {},
    iamCredentials: [],
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  };
  const ta = cp(
    'POST',
    '/trustanchors',
    JSON.stringify({ name: 'fuzz', enabled: true, source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: root.certPem } } }),
  );
  const taBody = ta.body as { trustAnchor: { trustAnchorArn: string; trustAnchorId: string } };
  trustAnchorArn = taBody.trustAnchor.trustAnchorArn;
  trustAnchorId = taBody.trustAnchor.trustAnchorId;
  const pr = cp('POST', '/profiles', JSON.stringify({ name: 'fuzz', enabled: true, roleArns: [ROLE_ARN], acceptRoleSessionName: true }));
  const prBody = pr.body as { profile: { profileArn: string; profileId: string } };
  profileArn = prBody.profile.profileArn;
  profileId = prBody.profile.profileId;
  cp('PUT', `/profiles/${profileId}/mappings`, JSON.stringify({ certificateField: 'x509Subject', mappingRules: [{ specifier: '*' }] }));
  cp('PUT', `/profiles/${profileId}/mappings`, JSON.stringify({ certificateField: 'x509SAN', mappingRules: [{ specifier: 'DNS' }, { specifier: 'URI' }] }));
  cp('POST', '/crls', JSON.stringify({ name: 'fuzz', enabled: true, trustAnchorArn, crlData: Buffer.from(crlPem).toString('base64') }));
  // Sanity: the valid request gets credentials, the revoked leaf is refused.
  expect(outcome(() => createSession(ctx, signedWire({ leaf: leaves[0]!, rawQuery: validQuery(), body: Buffer.from('{}') })))).toBe(201);
  expect(outcome(() => createSession(ctx, signedWire({ leaf: leaves[4]!, rawQuery: validQuery(), body: Buffer.from('{}') })))).toBe(403);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Keeps the in-process state small: sessions, subjects and resources made by the fuzzer go. */
function trimState(): void {
  const s = ctx.store.state;
  if (s.sessions.length > 50) s.sessions.length = 0;
  if (s.trustAnchors.length > 20) s.trustAnchors = s.trustAnchors.filter((t) => t.trustAnchorArn === trustAnchorArn);
  if (s.profiles.length > 20) s.profiles = s.profiles.filter((p) => p.profileArn === profileArn);
  if (s.crls.length > 1) s.crls = s.crls.slice(0, 1);
  const subjects = (s as unknown as { subjects?: unknown[] }).subjects;
  if (Array.isArray(subjects) && subjects.length > 50) subjects.length = 0;
  if (Object.keys(s.tags).length > 50) s.tags = {};
}

describe('fuzz: emulator parsers in process', () => {
  it(
    'parseAuthorization / parseAmzDate: a parsed header or undefined, never a throw',
    () => {
      const valid = `AWS4-X509-ECDSA-SHA256 Credential=123456789/20260101/us-east-1/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=${'ab'.repeat(64)}`;
      const mutated = fc.integer().map((seed) => {
        const r = prng(seed);
        const ops: [number, number, number, Uint8Array][] = [];
        for (let i = 0, n = 1 + (r() % 3); i < n; i++) ops.push([r() % 6, r(), r(), Buffer.from(String.fromCharCode(r() % 0x80, 0x20 + (r() % 0x60)))]);
        return Buffer.from(mutateBytes(Buffer.from(valid, 'latin1'), ops)).toString('latin1');
      });
      const dates = fc.oneof(
        fc.constantFrom('20261301T000000Z', '20260230T250000Z', '99999999T999999Z', '2026-01-01T00:00:00Z', ''),
        fc.stringMatching(/^\d{8}T\d{6}Z$/),
        hostileString(20),
      );
      fuzzProperty(name(), fc.tuple(fc.oneof(mutated, hostileString(300)), dates), 20_000, ([auth, date]) => {
        const a = parseAuthorization(auth);
        if (a !== undefined) {
          expect(a.signedHeaders.length).toBeGreaterThan(0);
          expect(a.scopeDate).toMatch(/^\d{8}$/);
          expect(a.signature).toMatch(/^[0-9a-f]+$/);
        }
        const d = parseAmzDate(date);
        if (d !== undefined) expect(Number.isNaN(d.getTime())).toBe(false);
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'CreateSession, unsigned junk: hostile Authorization, X-Amz-Date and X-Amz-X509 are 4xx',
    () => {
      const wire = fc
        .record({
          // A well-formed Authorization (wrong signature) most of the time, so that the hostile
          // X-Amz-X509 is parsed: the leaf is decoded before the signature is checked.
          auth: fc.oneof(
            {
              arbitrary: fc.constant(
                `AWS4-X509-ECDSA-SHA256 Credential=1/${amz(new Date()).slice(0, 8)}/${REGION}/rolesanywhere/aws4_request, SignedHeaders=host;x-amz-date;x-amz-x509, Signature=${'00'.repeat(70)}`,
              ),
              weight: 3,
            },
            { arbitrary: hostileString(200), weight: 1 },
          ),
          date: fc.oneof({ arbitrary: fc.constant(amz(new Date())), weight: 3 }, { arbitrary: hostileString(20), weight: 1 }),
          x509: fc.oneof(
            hostileString(100),
            hostileDer([...chainDers, ...leaves.map((l) => l.der)]).map((d) => Buffer.from(d).toString('base64')),
          ),
        })
        .map(({ auth, date, x509 }): WireRequest => ({
          method: 'POST',
          rawPath: '/sessions',
          rawQuery: validQuery(),
          headers: { host: 'h', authorization: auth, 'x-amz-date': date, 'x-amz-x509': x509 },
          body: Buffer.alloc(0),
        }));
      fuzzProperty(name(), wire, 2_000, (w) => {
        expect(outcome(() => createSession(ctx, w))).toBe(403);
      });
    },
    fuzzTimeout(30_000),
  );

  it(
    'CreateSession, signed: hostile JSON bodies and query strings are 4xx (or credentials)',
    () => {
      const query = fc.oneof(
        { arbitrary: fc.constant(''), weight: 2 },
        { arbitrary: fc.constant(validQuery()), weight: 3 },
        {
          arbitrary: fc.constantFrom(
            `${validQuery()}&roleArn=x`,
            `${validQuery()}&durationSeconds=%zz`,
            `trustAnchorArn=${'%'.repeat(300)}`,
            '&&&=&==',
            'roleSessionName=%ED%A0%80',
            'x=%C0%AF',
          ),
          weight: 1,
        },
        { arbitrary: hostileString(80).map((s) => enc(s).replace(/%2[6D]/g, (m) => (m === '%26' ? '&' : '='))), weight: 2 },
      );
      const body = fc.oneof(
        { arbitrary: hostileSessionBody(), weight: 6 },
        { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')), weight: 1 },
        { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
        { arbitrary: fc.nat({ max: 5000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)), weight: 1 },
      );
      const contentType = fc.constantFrom('application/json', 'application/x-amz-json-1.1; charset=utf-8', 'text/plain', '', 'application/json\u00ff');
      // The parameter parser alone (cheap) for the bulk of the cases ...
      fuzzProperty(`${name()} [parseCreateSessionParams]`, fc.record({ query, body, contentType }), 10_000, (c) => {
        const wire: WireRequest = { method: 'POST', rawPath: '/sessions', rawQuery: c.query, headers: { 'content-type': c.contentType }, body: c.body };
        outcome(() => (parseCreateSessionParams(wire), { status: 200 }));
      });
      // ... and the whole signed request path (each one parses certificates and a CRL: slow).
      const statuses = new Map<number, number>();
      // Examples known to reach each outcome run first (the beforeAll sanity check shows the 201
      // and 403 paths), so the coverage check below rests on them, not on the generator's luck:
      // random cases get past the parameter checks only about 1% of the time.
      const examples = [
        { query: validQuery(), body: Buffer.from('{}'), contentType: 'application/json' as const, leaf: 0 },
        { query: validQuery(), body: Buffer.from('{}'), contentType: 'application/json' as const, leaf: 4 },
        { query: '', body: Buffer.from('{'), contentType: 'application/json' as const, leaf: 0 },
      ];
      fuzzProperty(
        name(),
        fc.record({ query, body, contentType, leaf: fc.nat({ max: 5 }) }),
        300,
        (c) => {
          const st = outcome(() => createSession(ctx, signedWire({ leaf: leaves[c.leaf]!, rawQuery: c.query, body: c.body, contentType: c.contentType })));
          statuses.set(st, (statuses.get(st) ?? 0) + 1);
          trimState();
        },
        undefined,
        {
          examples,
          check: () => {
            // The property reached the parameter checks (400) and got past them (201 and 403).
            expect(statuses.get(400)).toBeGreaterThan(0);
            expect(statuses.get(201)).toBeGreaterThan(0);
            expect(statuses.get(403)).toBeGreaterThan(0);
          },
        },
      );
    },
    fuzzTimeout(60_000),
  );

  it(
    'CreateSession, signed: hostile certificates in X-Amz-X509 and X-Amz-X509-Chain are 4xx',
    () => {
      const b64 = (d: Uint8Array): string => Buffer.from(d).toString('base64');
      const chain = fc.oneof(
        fc.constant(undefined),
        fc.array(hostileDer(chainDers).map(b64), { minLength: 1, maxLength: 3 }).map((a) => a.join(',')),
        fc.constantFrom(',', ' , ', b64(chainDers[0]!).repeat(2), `${b64(chainDers[0]!)},${'A'.repeat(3)}`, Array(8).fill(b64(chainDers[0]!)).join(',')),
        hostileString(40),
      );
      const x509 = fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: hostileDer(leaves.map((l) => l.der)).map(b64), weight: 3 });
      fuzzProperty(name(), fc.record({ chain, x509, leaf: fc.nat({ max: 5 }) }), 300, (c) => {
        const w = signedWire({
          leaf: leaves[c.leaf]!,
          rawQuery: validQuery(),
          body: Buffer.from('{}'),
          ...(c.chain !== undefined ? { chain: c.chain } : {}),
          ...(c.x509 !== undefined ? { x509: c.x509 } : {}),
        });
        outcome(() => createSession(ctx, w));
        trimState();
      });
    },
    fuzzTimeout(60_000),
  );

  it(
    'control plane: hostile JSON bodies, ids and queries for every operation are 4xx (or success)',
    () => {
      const id = (valid: string) =>
        fc.oneof(
          { arbitrary: fc.constant(valid), weight: 4 },
          { arbitrary: fc.constantFrom('%zz', '%00', 'x'.repeat(40), randomUUID(), '..%2F..'), weight: 1 },
        );
      const bundle = fc.oneof(
        hostilePem('CERTIFICATE', chainDers),
        mutatedText([root.certPem, root.certPem + inter.certPem]),
        fc.constantFrom(`${root.certPem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`, root.certPem.repeat(3), ''),
      );
      const crlData = fc.oneof(
        mutatedText([crlPem]).map((t) => Buffer.from(t, 'latin1').toString('base64')),
        hostileDer([Buffer.from(crlPem)]).map((b) => Buffer.from(b).toString('base64')),
        hostileString(40),
        fc.constantFrom('', '====', 'A', Buffer.from(crlPem + crlPem).toString('base64')),
      );
      const tagList = fc.oneof(
        fc.constant(undefined),
        fc.array(fc.record({ key: hostileJsonValue('k'), value: hostileJsonValue('v') }, { requiredKeys: [] }), { maxLength: 4 }),
        fc.jsonValue({ maxDepth: 1 }),
      );
      const op = fc.oneof(
        fc
          .record(
            {
              source: fc.record(
                {
                  sourceType: hostileJsonValue('CERTIFICATE_BUNDLE'),
                  sourceData: fc.oneof(fc.record({ x509CertificateData: bundle }), fc.jsonValue({ maxDepth: 2 })),
                },
                { requiredKeys: [] },
              ),
              name: hostileJsonValue('ta'),
              enabled: hostileJsonValue('x'),
              tags: tagList,
            },
            { requiredKeys: [] },
          )
          .map((b) => ['POST', '/trustanchors', b] as const),
        fc
          .record(
            {
              name: hostileJsonValue('p'),
              roleArns: fc.oneof(fc.array(hostileJsonValue(ROLE_ARN), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
              durationSeconds: hostileJsonValue('x'),
              sessionPolicy: hostileJsonValue('{}'),
              managedPolicyArns: fc.jsonValue({ maxDepth: 1 }),
              acceptRoleSessionName: hostileJsonValue('x'),
              tags: tagList,
            },
            { requiredKeys: [] },
          )
          .map((b) => ['POST', '/profiles', b] as const),
        fc
          .record(
            { name: hostileJsonValue('crl'), crlData, trustAnchorArn: hostileJsonValue(trustAnchorArn), enabled: hostileJsonValue('x'), tags: tagList },
            { requiredKeys: [] },
          )
          .map((b) => ['POST', '/crls', b] as const),
        fc
          .tuple(
            id(profileId),
            fc.record(
              {
                certificateField: hostileJsonValue('x509Subject'),
                mappingRules: fc.oneof(
                  fc.array(fc.record({ specifier: hostileJsonValue('CN') }, { requiredKeys: [] }), { maxLength: 3 }),
                  fc.jsonValue({ maxDepth: 2 }),
                ),
              },
              { requiredKeys: [] },
            ),
          )
          .map(([i, b]) => ['PUT', `/profiles/${i}/mappings`, b] as const),
        fc.tuple(id(trustAnchorId), fc.jsonValue({ maxDepth: 3 })).map(([i, b]) => ['PATCH', `/trustanchor/${i}`, b] as const),
        fc.tuple(id(profileId), fc.jsonValue({ maxDepth: 3 })).map(([i, b]) => ['PATCH', `/profile/${i}`, b] as const),
        fc
          .record({ trustAnchorId: hostileJsonValue(trustAnchorId), notificationSettings: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] })
          .map((b) => ['PATCH', '/put-notifications-settings', b] as const),
        fc
          .tuple(
            fc.constantFrom('/TagResource', '/UntagResource'),
            fc.record({ resourceArn: hostileJsonValue(trustAnchorArn), tags: tagList, tagKeys: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
          )
          .map(([p, b]) => ['POST', p, b] as const),
      );
      const raw = fc.oneof(
        { arbitrary: op.map(([m, p, b]) => [m, p, JSON.stringify(b)] as const), weight: 9 },
        {
          arbitrary: fc.tuple(
            fc.constantFrom('POST', 'PATCH', 'PUT'),
            fc.constantFrom('/trustanchors', '/profiles', '/crls'),
            fc.string({ unit: 'binary', maxLength: 100 }),
          ),
          weight: 1,
        },
      );
      const query = fc.oneof(
        fc.constant(''),
        fc.constantFrom('maxResults=0', 'maxResults=abc', 'nextToken=%zz', 'maxResults=99999999999999999999'),
        hostileString(30).map(enc),
      );
      const listRoutes = ['/trustanchors', '/profiles', '/crls', '/subjects', '/ListTagsForResource'];
      fuzzProperty(name(), fc.tuple(raw, query, fc.nat({ max: 9 })), 5_000, ([[method, path, body], q, pick]) => {
        outcome(() => cp(method, path, body));
        // A list or get with a hostile query string every few cases.
        if (pick === 0) outcome(() => cp('GET', listRoutes[q.length % listRoutes.length]!, undefined, q));
        trimState();
      });
    },
    fuzzTimeout(60_000),
  );
});

/** Inputs the fuzzer found, kept as plain regression tests. */
describe('fuzz regressions: emulator in process', () => {
  it('a JSON object with a "toString" member where an ARN belongs is a 400, not a 500', () => {
    for (const body of ['{"trustAnchorArn":{"toString":1}}', `{"roleArn":{"toString":1},"profileArn":"${'x'}"}`]) {
      expect(outcome(() => createSession(ctx, signedWire({ leaf: leaves[0]!, rawQuery: '', body: Buffer.from(body) })))).toBe(400);
    }
    // Same value in the query string and as an object in the body: compared, not String()-ed.
    expect(
      outcome(() => createSession(ctx, signedWire({ leaf: leaves[0]!, rawQuery: validQuery(), body: Buffer.from('{"trustAnchorArn":{"toString":1}}') }))),
    ).toBe(400);
    expect(outcome(() => cp('POST', '/profiles', '{"name":{"toString":1},"roleArns":[]}'))).toBe(400);
  });

  it('arrays nested 100,000 deep in an ARN field (a 1 MB body holds them) are a 400, not a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const [query, body] of [
      ['', `{"trustAnchorArn":${deep}}`],
      [validQuery(), `{"trustAnchorArn":${deep}}`],
      ['', `{"durationSeconds":${deep}}`],
    ] as const) {
      expect(outcome(() => createSession(ctx, signedWire({ leaf: leaves[0]!, rawQuery: query, body: Buffer.from(body) })))).toBe(400);
    }
    expect(outcome(() => cp('POST', '/crls', `{"name":"x","crlData":${deep}}`))).toBe(400);
  });

  it('ImportCrl of 275 KB of BEGIN lines is refused in linear time (the lazy regex took over a second)', () => {
    const crlData = Buffer.from('-----BEGIN X509 CRL-----\n'.repeat(11_000)).toString('base64');
    const t0 = performance.now();
    expect(outcome(() => cp('POST', '/crls', JSON.stringify({ name: 'x', crlData, trustAnchorArn })))).toBe(400);
    expect(performance.now() - t0).toBeLessThan(200);
    // An intact CRL among explanatory text still imports.
    expect(outcome(() => cp('POST', '/crls', JSON.stringify({ name: 'y', trustAnchorArn, crlData: Buffer.from(`note\n${crlPem}`).toString('base64') })))).toBe(
      201,
    );
    trimState();
  });
});

describe('fuzz: emulator over HTTP', () => {
  let emu: RunningEmulator;
  let httpTa = '';
  let httpProfile = '';
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    emu = await startEmulator();
    const ta = await signedCall(emu.url, 'POST', '/trustanchors', {
      body: { name: 'fuzz', enabled: true, source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: root.certPem } } },
    });
    httpTa = ta.json.trustAnchor.trustAnchorArn;
    const pr = await signedCall(emu.url, 'POST', '/profiles', { body: { name: 'fuzz', enabled: true, roleArns: [ROLE_ARN] } });
    httpProfile = pr.json.profile.profileArn;
  }, 60_000);

  afterAll(async () => {
    agent.destroy();
    await emu?.close();
  });

  interface Resp {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }

  function send(method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Resp> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${emu.url}${path}`,
        { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out (hang)')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A refusal in the wire format of its face. */
  function expectCodedRefusal(r: Resp, what: string): void {
    if (r.status < 400 || r.status >= 500) throw new Error(`${what}: status ${r.status} ${r.body.slice(0, 200)}`);
    if (String(r.headers['content-type']).includes('xml')) {
      expect(r.body).toMatch(/<Error>[\s\S]*<Code>\w+<\/Code>[\s\S]*<Message>/);
      return;
    }
    if (typeof r.headers['x-amzn-errortype'] !== 'string')
      throw new Error(`${what}: ${r.status} without x-amzn-errortype: ${JSON.stringify(r.headers)} ${r.body.slice(0, 200)}`);
    const j = JSON.parse(r.body) as { message?: unknown };
    expect(typeof j.message).toBe('string');
  }

  /** Header values Node can send: printable latin1 without CR/LF. */
  const headerSafe = (s: string): string => s.replace(/[^\x20-\x7e\x80-\xff]/g, '').replace(/^\s+|\s+$/g, '');

  it(
    'CreateSession requests with hostile headers, chains and bodies: 4xx with x-amzn-errortype and {message}',
    async () => {
      const before = heapAfterGc();
      let slowest = 0;
      const b64 = (d: Uint8Array): string => Buffer.from(d).toString('base64');
      const query = `profileArn=${encodeURIComponent(httpProfile)}&roleArn=${encodeURIComponent(ROLE_ARN)}&trustAnchorArn=${encodeURIComponent(httpTa)}`;
      const caseArb = fc.oneof(
        // Signed with a real key over a hostile chain / body (gets past the signature).
        fc.record({
          kind: fc.constant('signed' as const),
          chain: fc.option(
            fc.array(hostileDer(chainDers).map(b64), { minLength: 1, maxLength: 6 }).map((a) => a.join(',')),
            { nil: undefined },
          ),
          body: hostileSessionBody(),
          leaf: fc.constantFrom(2, 3, 4),
        }),
        // Unsigned junk in every header the verifier reads.
        fc.record({
          kind: fc.constant('junk' as const),
          auth: hostileString(200),
          x509: hostileDer(leaves.map((l) => l.der)).map(b64),
          date: hostileString(20),
        }),
      );
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          let headers: Record<string, string>;
          let body: Buffer;
          let path = `/sessions?${query}`;
          if (c.kind === 'signed') {
            // Signed over this request's host header.
            const re = signedWire({
              leaf: leaves[c.leaf]!,
              rawQuery: query,
              body: c.body,
              ...(c.chain !== undefined ? { chain: c.chain } : {}),
              extraHeaders: { host: new URL(emu.url).host },
            });
            headers = re.headers;
            body = c.body;
            path = `/sessions?${re.rawQuery}`;
          } else {
            headers = { authorization: headerSafe(c.auth), 'x-amz-date': headerSafe(c.date), 'x-amz-x509': c.x509, 'content-type': 'application/json' };
            body = Buffer.from('{}');
          }
          const t0 = performance.now();
          const r = await send('POST', path, headers, body);
          slowest = Math.max(slowest, performance.now() - t0);
          // Leaves 2, 3 and 4 are refused (no keyUsage, CA:true, revoked), so nothing succeeds.
          expectCodedRefusal(r, `CreateSession ${c.kind}`);
        }),
        fcParams(300),
      );
      expect(slowest).toBeLessThan(2_000);
      expect(heapAfterGc() - before).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    },
    fuzzTimeout(60_000),
  );

  it(
    'junk requests (any method, path, query, body, oversized body) and signed hostile control-plane bodies: coded 4xx',
    async () => {
      const junk = fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        path: fc.oneof(
          fc.constantFrom(
            '/',
            '/sessions',
            '/trustanchors',
            '/profile/%zz',
            '/crl/..%2f',
            `/trustanchor/${'a'.repeat(300)}`,
            '//',
            '/?Action=GetCallerIdentity&Version=2011-06-15',
          ),
          hostileString(40).map((s) => `/${enc(s)}`),
        ),
        query: fc.oneof(
          fc.constant(''),
          hostileString(40).map((s) => `?${enc(s)}=${enc(s)}`),
        ),
        body: fc.oneof(
          fc.constant(undefined),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.constant(Buffer.alloc(1024 * 1024 + 1, 0x7b)),
        ),
        auth: fc.oneof(
          fc.constant(undefined),
          hostileString(120).map(headerSafe),
          fc.constant(`AWS4-HMAC-SHA256 Credential=AKIAX/20260101/${REGION}/sts/aws4_request, SignedHeaders=host, Signature=00`),
        ),
      });
      await fc.assert(
        fc.asyncProperty(junk, async (j) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (j.auth) headers.authorization = j.auth;
          const r = await send(j.method, j.path + j.query, headers, j.body);
          expectCodedRefusal(r, `${j.method} ${j.path}`);
        }),
        fcParams(150),
      );
      // Signed control-plane calls: the body is hostile, the signature is right.
      const cpCase = fc.oneof(
        fc.record({
          path: fc.constant('/trustanchors'),
          body: fc.record({
            name: fc.constant('ta'),
            source: fc.record({
              sourceType: fc.constant('CERTIFICATE_BUNDLE'),
              sourceData: fc.record({ x509CertificateData: hostilePem('CERTIFICATE', chainDers) }),
            }),
          }),
        }),
        fc.record({
          path: fc.constant('/crls'),
          body: fc.record({
            name: fc.constant('c'),
            trustAnchorArn: fc.constant(httpTa),
            crlData: mutatedText([crlPem]).map((t) => Buffer.from(t, 'latin1').toString('base64')),
          }),
        }),
        fc.record({
          path: fc.constant('/profiles'),
          body: fc.record(
            { name: hostileJsonValue('p'), roleArns: fc.array(hostileJsonValue(ROLE_ARN), { maxLength: 2 }), durationSeconds: hostileJsonValue('x') },
            { requiredKeys: [] },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(cpCase, async (c) => {
          const r = await signedCall(emu.url, 'POST', c.path, { body: c.body });
          if (r.status >= 200 && r.status < 300) return;
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(typeof r.headers.get('x-amzn-errortype')).toBe('string');
          expect(typeof r.json.message).toBe('string');
        }),
        fcParams(100),
      );
    },
    fuzzTimeout(90_000),
  );

  it('regression: a chain header over the 64 KiB header limit gets a coded 431, not a bare status line', async () => {
    const r = await send('POST', '/sessions', { 'x-amz-x509-chain': 'A'.repeat(70_000), 'content-type': 'application/json' }, Buffer.from('{}'));
    expect(r.status).toBe(431);
    expect(r.headers['x-amzn-errortype']).toBe('RequestHeaderFieldsTooLargeException');
    expect(JSON.parse(r.body)).toEqual({ message: 'Request header fields too large' });
  });

  it('accepts a 20 KB chain header (a five-certificate RSA-4096 chain is this large) and answers it with a coded 4xx', async () => {
    const r = await send('POST', '/sessions', { 'x-amz-x509-chain': 'A'.repeat(20_000), 'content-type': 'application/json' }, Buffer.from('{}'));
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.status).not.toBe(431);
  });
});
