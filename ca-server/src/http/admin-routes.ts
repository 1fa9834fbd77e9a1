/**
 * Admin routes under `/v1/admin` (docs/ca-api.md "Admin routes"): bodies, grammars and answers
 * are the contract's (common/src/contract/), which the CLI uses too.
 */
import { Router, type Request, type Response } from 'express';
import type { CertificateAuthority } from '../authority/authority.js';
import { parseDurationSeconds } from '../authority/durations.js';
import { normalizeSerial } from '../authority/serial.js';
import type { AdminTokenStatus } from '../authority/admin-tokens.js';
import { CERT_STATUSES } from '../../../common/src/contract/certificates.js';
import { AUDIT_PAGE, CERTIFICATES_PAGE } from '../../../common/src/contract/limits.js';
import { MAX_SANS, SAN_MAX_CHARS, SUBJECT_MAX_CHARS } from '../../../common/src/contract/names.js';
import type * as Api from '../../../common/src/contract/types.js';
import type { AdminTokenRecord, CertificateRecord, CertStatus } from '../store/types.js';
import { caError } from '../errors.js';
import { actorOf, adminAuth, requireRole } from './admin-auth.js';
import { jsonBody, parseLimit, validateBody, validateQuery } from './validate.js';

const REASON = { reason: { type: 'string', maxLength: 40 } } as const;

/** The contract's statuses are statuses the store knows (compile-time check). */
const STATUSES: readonly CertStatus[] = CERT_STATUSES;

export function certificateJson(a: CertificateAuthority, c: CertificateRecord): Api.CertificateRecord {
  return {
    serial: c.serial,
    host: c.host,
    subject: c.subject,
    sans: c.sans,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    status: a.statusOf(c),
    revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
    reason: c.revokedAt ? (c.reason ?? 'unspecified') : null,
    fingerprint: c.fingerprint,
    renewedFrom: c.renewedFrom,
    renewedBy: c.renewedBy ?? null,
    issuedAt: c.issuedAt.toISOString(),
  };
}

/** An admin token as the API shows it: never the hash, never the secret. */
function adminTokenJson(t: Omit<AdminTokenRecord, 'hash'>, status: AdminTokenStatus): Api.AdminTokenInfo {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    status,
    createdAt: t.createdAt.toISOString(),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}

export function adminRouter(a: CertificateAuthority, before: readonly ((req: Request, res: Response, next: (err?: unknown) => void) => void)[]): Router {
  const r = Router();
  for (const mw of before) r.use(mw);
  r.use(adminAuth(a));
  const both = requireRole('admin', 'operator');
  const adminOnly = requireRole('admin');

  r.post('/tokens', both, async (req, res) => {
    const b = validateBody(jsonBody(req), {
      subject: { type: 'string', required: true, maxLength: SUBJECT_MAX_CHARS },
      sans: { type: 'string[]', maxItems: MAX_SANS, maxLength: SAN_MAX_CHARS },
      ttl: { type: 'duration' },
      certTtl: { type: 'duration' },
    });
    const t = await a.createEnrollmentToken(
      {
        subject: b.subject as string,
        sans: (b.sans as string[] | undefined) ?? [],
        ttlSeconds: b.ttl === undefined || b.ttl === null ? undefined : parseDurationSeconds(b.ttl, 'ttl'),
        certTtlSeconds: b.certTtl === undefined || b.certTtl === null ? undefined : parseDurationSeconds(b.certTtl, 'certTtl'),
      },
      actorOf(res),
    );
    const created: Api.CreatedToken = { token: t.token, expiresAt: t.expiresAt.toISOString(), subject: t.subject, sans: t.sans, certTtl: t.certTtlSeconds };
    res.status(201).json(created);
  });

  r.get('/certificates', both, async (req, res) => {
    const q = validateQuery(req, ['host', 'status', 'cursor', 'limit']);
    if (q.status !== undefined && !(STATUSES as readonly string[]).includes(q.status)) {
      throw caError('invalid_request', `status must be one of ${STATUSES.join(', ')}.`);
    }
    const page = await a.listCertificates({
      host: q.host,
      status: q.status as CertStatus | undefined,
      cursor: q.cursor,
      limit: parseLimit(q.limit, CERTIFICATES_PAGE.default, CERTIFICATES_PAGE.max),
    });
    const body: Api.CertificatePage = { certificates: page.items.map((c) => certificateJson(a, c)), nextCursor: page.nextCursor ?? null };
    res.json(body);
  });

  r.post('/certificates/:serial/revoke', adminOnly, async (req, res) => {
    const b = validateBody(jsonBody(req), REASON);
    const serial = normalizeSerial(String(req.params.serial));
    const out = await a.revokeSerial(serial, b.reason as string | undefined, actorOf(res));
    const body: Api.RevokedCertificate = {
      serial: out.record.serial,
      status: 'revoked',
      revokedAt: out.record.revokedAt!.toISOString(),
      reason: out.record.reason ?? 'unspecified',
      crlNumber: out.crlNumber,
    };
    res.json(body);
  });

  r.post('/hosts/:name/revoke', adminOnly, async (req, res) => {
    const b = validateBody(jsonBody(req), { ...REASON, blockUnknown: { type: 'boolean' } });
    const host = String(req.params.name);
    const out = await a.revokeHost(host, b.reason as string | undefined, actorOf(res), { blockUnknown: b.blockUnknown === true });
    const body: Api.RevokedHost = { host, revoked: out.serials, blocked: true, crlNumber: out.crlNumber };
    res.json(body);
  });

  r.post('/hosts/:name/unblock', adminOnly, async (req, res) => {
    validateBody(jsonBody(req), {});
    const host = String(req.params.name);
    await a.unblockHost(host, actorOf(res));
    const body: Api.UnblockedHost = { host, blocked: false };
    res.json(body);
  });

  r.get('/audit', both, async (req, res) => {
    const q = validateQuery(req, ['cursor', 'limit']);
    let after = 0;
    if (q.cursor !== undefined) {
      if (!/^\d{1,15}$/.test(q.cursor)) throw caError('invalid_request', 'The cursor is not valid.');
      after = Number(q.cursor);
    }
    const limit = parseLimit(q.limit, AUDIT_PAGE.default, AUDIT_PAGE.max);
    const records = await a.listAudit(after, limit + 1);
    const page = records.slice(0, limit);
    const last = page[page.length - 1];
    const body: Api.AuditPage = { records: page, nextCursor: records.length > limit && last ? String(last.seq) : null };
    res.json(body);
  });

  r.get('/admin-tokens', adminOnly, async (req, res) => {
    validateQuery(req, []);
    const tokens = await a.listAdminTokens();
    res.json({ adminTokens: tokens.map((t) => adminTokenJson(t.record, t.status)) });
  });

  r.post('/admin-tokens', adminOnly, async (req, res) => {
    const b = validateBody(jsonBody(req), {
      name: { type: 'string', required: true, maxLength: 64 },
      role: { type: 'string', required: true, maxLength: 16 },
      ttl: { type: 'duration' },
    });
    const t = await a.createAdminToken(
      {
        name: b.name as string,
        role: b.role as 'admin' | 'operator',
        ttlSeconds: b.ttl === undefined || b.ttl === null ? undefined : parseDurationSeconds(b.ttl, 'ttl'),
      },
      actorOf(res),
    );
    const created: Api.CreatedAdminToken = { token: t.token, ...adminTokenJson({ ...t, lastUsedAt: null, revokedAt: null }, 'active') };
    res.status(201).json(created);
  });

  r.post('/admin-tokens/:id/revoke', adminOnly, async (req, res) => {
    validateBody(jsonBody(req), {});
    const t = await a.revokeAdminToken(String(req.params.id), actorOf(res));
    res.json(adminTokenJson(t, 'revoked'));
  });

  return r;
}
