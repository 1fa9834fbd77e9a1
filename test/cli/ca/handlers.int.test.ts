/**
 * The admin and CRL command handlers against a loopback stand-in of the CA: what they send (paths,
 * bodies, headers), how they follow pages, and what they print.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, auditRecordHash, type AuditRecord } from '../../../common/src/audit/audit-chain.js';
import { auditVerify } from '../../../cli/src/handlers/audit.js';
import { certList, certRevoke } from '../../../cli/src/handlers/cert.js';
import { crlGet } from '../../../cli/src/handlers/crl.js';
import { tokenCreate } from '../../../cli/src/handlers/token.js';
import type { CommandIo } from '../../../cli/src/io.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { makeServerPki, startStub, type Pki, type StubServer } from './tls-fixture.js';

let dir: string;
let pki: Pki;
let stub: StubServer;
let audit: AuditRecord[] = [];

const CERTS = Array.from({ length: 5 }, (_, i) => ({
  serial: `0${i + 1}aa`,
  host: `h${i}`,
  subject: `CN=h${i}`,
  sans: [],
  notBefore: '2026-11-25T00:00:00.000Z',
  notAfter: '2026-11-26T00:00:00.000Z',
  status: i === 4 ? 'revoked' : 'active',
  revokedAt: i === 4 ? '2026-11-25T01:00:00.000Z' : null,
  reason: i === 4 ? 'superseded' : null,
}));

beforeAll(async () => {
  dir = await makeTempDir('rapki-handlers-');
  pki = await makeServerPki(dir);
  stub = await startStub(pki, (r) => {
    const url = new URL(r.path, 'https://x');
    if (r.authorization !== undefined && r.authorization !== 'Bearer rapki_at_ok') {
      return { status: 401, body: JSON.stringify({ code: 'unauthorized', message: 'unknown admin token' }) };
    }
    if (url.pathname === '/v1/admin/tokens') {
      return {
        status: 201,
        body: JSON.stringify({ token: 'rapki_et_abc', expiresAt: '2026-11-25T09:00:00.000Z', subject: 'web-1', sans: [], certTtl: 86400 }),
      };
    }
    if (url.pathname === '/v1/admin/certificates') {
      // Pages of 2 with an opaque cursor, whatever limit was asked.
      const start = Number(url.searchParams.get('cursor') ?? '0');
      const page = CERTS.slice(start, start + 2);
      return { status: 200, body: JSON.stringify({ certificates: page, nextCursor: start + 2 < CERTS.length ? String(start + 2) : null }) };
    }
    const revoke = /^\/v1\/admin\/certificates\/([^/]+)\/revoke$/.exec(url.pathname);
    if (revoke)
      return {
        status: 200,
        body: JSON.stringify({
          serial: revoke[1],
          status: 'revoked',
          revokedAt: '2026-11-25T08:00:00.000Z',
          reason: JSON.parse(r.body).reason ?? null,
          crlNumber: 3,
        }),
      };
    const host = /^\/v1\/admin\/hosts\/([^/]+)\/revoke$/.exec(url.pathname);
    if (host && host[1] === 'ghost' && JSON.parse(r.body).blockUnknown !== true) {
      return {
        status: 404,
        body: JSON.stringify({ code: 'host_not_found', message: 'No certificate was ever issued to host "ghost"; send "blockUnknown": true' }),
      };
    }
    if (host && host[1] === 'ghost') return { status: 200, body: JSON.stringify({ host: 'ghost', revoked: [], blocked: true, crlNumber: 5 }) };
    if (host) return { status: 200, body: JSON.stringify({ host: decodeURIComponent(host[1]!), revoked: ['01aa', '02aa'], blocked: true, crlNumber: 4 }) };
    if (url.pathname === '/v1/admin/audit') {
      const start = Number(url.searchParams.get('cursor') ?? '0');
      return { status: 200, body: JSON.stringify({ records: audit.slice(start, start + 3), nextCursor: start + 3 < audit.length ? String(start + 3) : null }) };
    }
    if (url.pathname === '/v1/crl') return { status: 200, body: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), type: 'application/pkix-crl' };
    if (url.pathname === '/v1/crl.pem')
      return { status: 200, body: '-----BEGIN X509 CRL-----\nMAMCAQE=\n-----END X509 CRL-----\n', type: 'application/x-pem-file' };
    return undefined;
  });
});
afterAll(async () => {
  await stub?.close();
  await removeTempDir(dir);
});
beforeEach(() => {
  stub.seen.length = 0;
});

function io(env: Record<string, string> = {}, tty = false): CommandIo & { out: string; bytes: Buffer[]; err: string } {
  const o = {
    out: '',
    bytes: [] as Buffer[],
    err: '',
    env: { RAPKI_CA_URL: stub.url.href, RAPKI_CA_FINGERPRINT: pki.rootFingerprint, RAPKI_ADMIN_TOKEN: 'rapki_at_ok', ...env },
    stdoutIsTty: tty,
    stdout: (t: string | Uint8Array) => {
      o.bytes.push(Buffer.from(t));
      o.out += typeof t === 'string' ? t : Buffer.from(t).toString('latin1');
    },
    stderr: (t: string) => void (o.err += t),
  };
  return o;
}

const apiCalls = () => stub.seen.filter((s) => s.path !== '/v1/ca');

describe('token create', () => {
  it('sends subject, normalized SANs and durations as typed; --json prints exactly {token, expiresAt}', async () => {
    const o = io();
    const code = await tokenCreate({ subject: 'web-1', san: ['DNS:Web-1.Example.com', 'ip:10.0.0.7'], ttl: '15m', 'cert-ttl': '24h', json: true }, o);
    expect(code).toBe(0);
    expect(JSON.parse(o.out)).toEqual({ token: 'rapki_et_abc', expiresAt: '2026-11-25T09:00:00.000Z' });
    const [call] = apiCalls();
    expect(call!.authorization).toBe('Bearer rapki_at_ok');
    expect(JSON.parse(call!.body)).toEqual({ subject: 'web-1', sans: ['dns:web-1.example.com', 'ip:10.0.0.7'], ttl: '15m', certTtl: '24h' });
    expect(o.err).toContain(`--ca-fingerprint ${pki.rootFingerprint}`);
  });

  it('refuses bad input locally, before contacting the CA', async () => {
    for (const [a, code] of [
      [{ subject: 'x', ttl: '1 week' }, 'duration_invalid'],
      [{ subject: 'x', san: ['dns:bad name'] }, 'san_invalid'],
      [{ subject: ' ' }, 'flag_value_invalid'],
    ] as const) {
      const o = io();
      expect(await tokenCreate(a as never, o)).toBe(1);
      expect(o.err).toMatch(new RegExp(`^rapki: ${code}: `));
    }
    expect(apiCalls()).toEqual([]);
  });

  it("shows the server's code for a bad admin token", async () => {
    const o = io({ RAPKI_ADMIN_TOKEN: 'rapki_at_bad' });
    expect(await tokenCreate({ subject: 'x' }, o)).toBe(1);
    expect(o.err).toBe('rapki: unauthorized: unknown admin token\n');
  });
});

describe('cert list', () => {
  it('follows nextCursor to the end and passes the filters', async () => {
    const o = io();
    expect(await certList({ status: 'active', host: 'h1', json: true }, o)).toBe(0);
    expect((JSON.parse(o.out) as { certificates: unknown[] }).certificates).toEqual(CERTS);
    const paths = apiCalls().map((c) => c.path);
    expect(paths).toHaveLength(3);
    expect(paths[0]).toBe('/v1/admin/certificates?host=h1&status=active&limit=500');
    expect(paths[2]).toContain('cursor=4');
  });
  it('prints a table for humans', async () => {
    const o = io();
    expect(await certList({}, o)).toBe(0);
    const lines = o.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERIAL\s+HOST\s+STATUS\s+NOT AFTER\s+REVOKED\s+REASON$/);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatch(/^05aa\s+h4\s+revoked\s+2026-11-26T00:00:00.000Z\s+2026-11-25T01:00:00.000Z\s+superseded$/);
  });
  it('refuses an unknown status', async () => {
    const o = io();
    expect(await certList({ status: 'valid' }, o)).toBe(1);
    expect(o.err).toMatch(/^rapki: flag_value_invalid: --status must be one of active, superseded, revoked, expired/);
  });
});

describe('cert revoke', () => {
  it.each([['serial=000A1BFF'], ['0a:1b:ff'], ['A1BFF']])('sends %s as canonical hex', async (s) => {
    const o = io();
    expect(await certRevoke({ serial: s, reason: 'keyCompromise' }, o)).toBe(0);
    const [call] = apiCalls();
    expect(call!.path).toBe('/v1/admin/certificates/0a1bff/revoke');
    expect(JSON.parse(call!.body)).toEqual({ reason: 'keyCompromise' });
    expect(o.out).toMatch(/^revoked 0a1bff at .* \(keyCompromise\); CRL 3 published/);
  });
  it('revokes a host (name URL-encoded) and says it is blocked', async () => {
    const o = io();
    expect(await certRevoke({ host: 'web 1/a' }, o)).toBe(0);
    expect(apiCalls()[0]!.path).toBe('/v1/admin/hosts/web%201%2Fa/revoke');
    expect(o.out).toMatch(/revoked 2 certificate\(s\) of web 1\/a: 01aa, 02aa; host blocked from enrolling/);
  });
  it('refuses a host the CA never issued to, naming --block-unknown; with it, sends blockUnknown and blocks', async () => {
    const o = io();
    expect(await certRevoke({ host: 'ghost' }, o)).toBe(1);
    expect(o.err).toMatch(/^rapki: host_not_found: the CA never issued a certificate to host "ghost" .*pass --block-unknown/);
    expect(o.out).toBe('');
    expect(JSON.parse(apiCalls()[0]!.body)).toEqual({});
    stub.seen.length = 0;
    const b = io();
    expect(await certRevoke({ host: 'ghost', 'block-unknown': true, reason: 'cessationOfOperation' }, b)).toBe(0);
    expect(JSON.parse(apiCalls()[0]!.body)).toEqual({ reason: 'cessationOfOperation', blockUnknown: true });
    expect(b.out).toMatch(/revoked 0 certificate\(s\) of ghost; host blocked from enrolling; CRL 5 published/);
  });
  it('needs exactly one of SERIAL and --host, and a known reason', async () => {
    for (const a of [{}, { serial: '01', host: 'x' }, { serial: '01', reason: 'lost' }, { serial: '01', 'block-unknown': true }]) {
      const o = io();
      expect(await certRevoke(a, o)).toBe(1);
      expect(o.err).toMatch(/^rapki: flag_value_invalid: /);
    }
    expect(apiCalls()).toEqual([]);
  });
});

describe('crl get', () => {
  const DER_HEX = '3003020101';
  it('prints PEM on stdout by default, on a terminal or not', async () => {
    for (const tty of [true, false]) {
      const o = io({}, tty);
      expect(await crlGet({}, o)).toBe(0);
      expect(o.out).toMatch(/^-----BEGIN X509 CRL-----\n/);
      expect(apiCalls().map((c) => c.path)).toEqual(['/v1/crl.pem']);
      stub.seen.length = 0;
    }
  });
  it('writes DER only with --der or into --out (DER unless --pem)', async () => {
    const piped = io();
    expect(await crlGet({ der: true }, piped)).toBe(0);
    expect(Buffer.concat(piped.bytes).toString('hex')).toBe(DER_HEX);
    const out = join(dir, 'crl.der');
    expect(await crlGet({ out }, io({}, true))).toBe(0);
    expect((await readFile(out)).toString('hex')).toBe(DER_HEX);
    const pemOut = join(dir, 'crl.pem');
    expect(await crlGet({ out: pemOut, pem: true }, io())).toBe(0);
    expect(await readFile(pemOut, 'utf8')).toMatch(/^-----BEGIN X509 CRL-----/);
  });
  it('refuses DER on a terminal, and --pem with --der, before contacting the CA', async () => {
    const tty = io({}, true);
    expect(await crlGet({ der: true }, tty)).toBe(1);
    expect(tty.err).toMatch(/^rapki: flag_value_invalid: the DER CRL is binary/);
    const both = io();
    expect(await crlGet({ der: true, pem: true }, both)).toBe(1);
    expect(both.err).toMatch(/^rapki: flag_value_invalid: pass at most one of --pem and --der/);
    expect(apiCalls()).toEqual([]);
  });
  it('prints PEM with --pem, without any admin token', async () => {
    const o = io({ RAPKI_ADMIN_TOKEN: '' });
    expect(await crlGet({ pem: true }, o)).toBe(0);
    expect(o.out).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(apiCalls().every((c) => c.authorization === undefined)).toBe(true);
  });
});

describe('audit verify', () => {
  beforeAll(() => {
    let prev = AUDIT_GENESIS_HASH;
    audit = [];
    for (let seq = 1; seq <= 8; seq++) {
      const f = { seq, time: `2026-11-25T08:00:0${seq}.000Z`, actor: 'system', action: 'crl.publish', details: { n: seq } };
      const hash = auditRecordHash(prev, f);
      audit.push({ ...f, prevHash: prev, hash });
      prev = hash;
    }
  });
  it('verifies every page from the server', async () => {
    const o = io();
    expect(await auditVerify({ json: true }, o)).toBe(0);
    expect(JSON.parse(o.out)).toEqual({ ok: true, count: 8, lastHash: audit[7]!.hash, headSeq: 8, head: `8:${audit[7]!.hash}` });
    expect(apiCalls()).toHaveLength(3);
  });
  it('fails with audit_chain_broken on a tampered record', async () => {
    const saved = audit[5]!;
    audit[5] = { ...saved, actor: 'admin:mallory' };
    try {
      const o = io();
      expect(await auditVerify({}, o)).toBe(1);
      expect(o.err).toMatch(/^rapki: audit_chain_broken: .* record 6: hash does not match the record/);
    } finally {
      audit[5] = saved;
    }
  });
});
