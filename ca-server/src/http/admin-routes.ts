/** Admin routes under `/v1/admin` (docs/ca-api.md "Admin routes"). */
import { Router, type Request, type Response } from 'express';
import type { CertificateAuthority } from '../authority/authority.js';
import { parseDurationSeconds } from '../authority/durations.js';
import { MAX_SANS } from '../authority/names.js';
import { normalizeSerial } from '../authority/serial.js';
import type { AdminTokenStatus } from '../authority/admin-tokens.js';
import { CERT_STATUSES, type AdminTokenRecord, type CertificateRecord, type CertStatus } from '../store/types.js';
import { caError } from '../errors.js';
import { actorOf, adminAuth, requireRole } from './admin-auth.js';
import { jsonBody, parseLimit, validateBody, validateQuery } from './validate.js';

const REASON = { reason: { type: 'string', maxLength: 40 } } as const;


export function certificateJson(a: CertificateAuthority, c: CertificateRecord) {
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
function adminTokenJson(t: Omit<AdminTokenRecord, 'hash'>, status: AdminTokenStatus) {
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
      subject: { type: 'string', required: true, maxLength: 64 },
      sans: { type: 'string[]', maxItems: MAX_SANS, maxLength: 1024 },
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
    res.status(201).json({ token: t.token, expiresAt: t.expiresAt.toISOString(), subject: t.subject, sans: t.sans, certTtl: t.certTtlSeconds });
  });

  r.get('/certificates', both, async (req, res) => {
    const q = validateQuery(req, ['host', 'status', 'cursor', 'limit']);
    if (q.status !== undefined && !(CERT_STATUSES as readonly string[]).includes(q.status)) {
      throw caError('invalid_request', `status must be one of ${CERT_STATUSES.join(', ')}.`);
    }
    const page = await a.listCertificates({
      host: q.host,
      status: q.status as CertStatus | undefined,
      cursor: q.cursor,
      limit: parseLimit(q.limit, 100, 500),
    });
    res.json({ certificates: page.items.map((c) => certificateJson(a, c)), nextCursor: page.nextCursor ?? null });
  });

  r.post('/certificates/:serial/revoke', adminOnly, async (req, res) => {
    const b = validateBody(jsonBody(req), REASON);
    const serial = normalizeSerial(String(req.params.serial));
    const out = await a.revokeSerial(serial, b.reason as string | undefined, actorOf(res));
    res.json({
      serial: out.record.serial,
      status: 'revoked',
      revokedAt: out.record.revokedAt!.toISOString(),
      reason: out.record.reason ?? 'unspecified',
      crlNumber: out.crlNumber,
    });
  });

  r.post('/hosts/:name/revoke', adminOnly, async (req, res) => {
    const b = validateBody(jsonBody(req), { ...REASON, blockUnknown: { type: 'boolean' } });
    const host = String(req.params.name);
    const out = await a.revokeHost(host, b.reason as string | undefined, actorOf(res), { blockUnknown: b.blockUnknown === true });
    res.json({ host, revoked: out.serials, blocked: true, crlNumber: out.crlNumber });
  });

  r.post('/hosts/:name/unblock', adminOnly, async (req, res) => {
    validateBody(jsonBody(req), {});
    const host = String(req.params.name);
    await a.unblockHost(host, actorOf(res));
    res.json({ host, blocked: false });
  });

  r.get('/audit', both, async (req, res) => {
    const q = validateQuery(req, ['cursor', 'limit']);
    let after = 0;
    if (q.cursor !== undefined) {
      if (!/^\d{1,15}$/.test(q.cursor)) throw caError('invalid_request', 'The cursor is not valid.');
      after = Number(q.cursor);
    }
    const limit = parseLimit(q.limit, 500, 1000);
    const records = await a.listAudit(after, limit + 1);
    const page = records.slice(0, limit);
    const last = page[page.length - 1];
    res.json({ records: page, nextCursor: records.length > limit && last ? String(last.seq) : null });
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
    res.status(201).json({ token: t.token, ...adminTokenJson({ ...t, lastUsedAt: null, revokedAt: null }, 'active') });
  });

  r.post('/admin-tokens/:id/revoke', adminOnly, async (req, res) => {
    validateBody(jsonBody(req), {});
    const t = await a.revokeAdminToken(String(req.params.id), actorOf(res));
    res.json(adminTokenJson(t, 'revoked'));
  });

  return r;
}
