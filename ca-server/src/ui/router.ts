/**
 * The web console at `/ui/` (docs/console.md): server-rendered pages over the same authority,
 * roles, audit path, rate limits, request ids, security headers and error table as the admin API.
 * A console session stands for the admin or operator token that opened it: `res.locals.admin` is
 * set exactly as `http/admin-auth.ts` sets it, the same `requireRole` guards the same actions, and
 * `actorOf` writes `<role>:<name> via=ui token=<id>` into every audit record.
 *
 * Mounted by `http/app.ts` behind the admin rate limiter unless `ca serve --no-ui`.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { isRapkiError } from '../../../common/src/errors.js';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import { CRL_PEM_MAX_BYTES, CRL_PEM_WARN_BYTES } from '../../../common/src/x509/crl.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import type { CertificateAuthority } from '../authority/authority.js';
import type { CrlManager } from '../authority/crl-manager.js';
import { systemRandom, type Clock, type RandomSource } from '../../../common/src/clock-and-random.js';
import { parseDurationSeconds } from '../authority/durations.js';
import type { IssuerContext } from '../authority/issuer.js';
import { MAX_SANS, validateSubject } from '../authority/names.js';
import { newSecretToken } from '../authority/secret-tokens.js';
import type { ServeConfig } from '../config.js';
import { caError, httpStatusOf } from '../errors.js';
import { actorOf, requireRole } from '../http/admin-auth.js';
import { toHttpError } from '../http/error-mapper.js';
import type { CaMetrics } from '../http/metrics.js';
import { validateQuery } from '../http/validate.js';
import { CA_KEY_TYPES } from '../keys/generate-ca-key.js';
import type { Logger } from '../logger.js';
import { ROTATION_ERRORS } from '../rotation/errors.js';
import type { CaRotation } from '../rotation/open-rotation.js';
import type { CaStore } from '../store/ca-store.js';
import type { CertificateSort, CertStatus } from '../store/types.js';
import type { SyncState } from '../sync/crl-sync.js';
import { commonNameOf } from '../x509/dn.js';
import type { CaKeyType } from '../x509/types.js';
import { loadConsoleAssets, type ConsoleAssets } from './assets.js';
import { clearCookie, readCookie, SESSION_COOKIE, setCookie, SIGN_IN_COOKIE } from './cookies.js';
import { csrfTokenFor, fromOwnOrigin, ownOrigin, tokensEqual } from './csrf.js';
import { CSRF_FIELD, formBody } from './form.js';
import { span } from './format.js';
import { consoleHeaders } from './headers.js';
import { bareDocument, page, type Notice, type PageContext } from './layout.js';
import { auditBody, type AuditFilterValues, type VerifyResult } from './pages/audit.js';
import type { CertRow } from './pages/certificate-table.js';
import { certificatesBody } from './pages/certificates.js';
import { errorBody } from './pages/error.js';
import { hostBody } from './pages/host.js';
import { overviewBody } from './pages/overview.js';
import { rotationBody } from './pages/rotation.js';
import { signInPage } from './pages/sign-in.js';
import { enrollCommand, tokensBody, type CreatedTokenView, type TokenFormValues } from './pages/tokens.js';
import { MAX_SEARCH_LENGTH, searchCriteria } from './search-terms.js';
import { ConsoleSessions } from './sessions.js';

export interface ConsoleDeps {
  readonly authority: CertificateAuthority;
  readonly crl: Pick<CrlManager, 'current'>;
  readonly store: CaStore;
  readonly issuer: IssuerContext;
  readonly config: ServeConfig;
  readonly clock: Clock;
  readonly random?: RandomSource | undefined;
  readonly log: Logger;
  readonly metrics: CaMetrics;
  readonly rotation?: CaRotation | undefined;
  /** The CRL sync's state (trust anchors, what AWS holds); absent when the server has no sync. */
  readonly syncState?: (() => SyncState) | undefined;
  /** Default: the build's `dist/ui/` (`assets.ts`). */
  readonly assets?: ConsoleAssets | undefined;
}

/** Rows per page of the certificate and audit lists. */
const PAGE_SIZE = 50;
/** Certificates shown on a host page (newest first). */
const HOST_PAGE_SIZE = 200;
const DAY_MS = 86_400_000;
/** Days in the overview's expiry chart. */
const CHART_DAYS = 7;

/** Known console paths (for 405 against 404). */
const UI_ROUTES: readonly [RegExp, readonly string[]][] = [
  [/^\/$/, ['GET', 'HEAD']],
  [/^\/sign-in$/, ['GET', 'HEAD', 'POST']],
  [/^\/(sign-out|tokens|rotation\/(start|finish|abort)|certificates\/[^/]+\/revoke|hosts\/[^/]+\/(revoke|unblock)|admin-tokens\/[^/]+\/revoke)$/, ['POST']],
  [/^\/(certificates|hosts\/[^/]+|audit|audit\/verify|rotation|assets\/[^/]+\/[^/]+)$/, ['GET', 'HEAD']],
];

function ctxOf(res: Response): PageContext {
  return res.locals.page as PageContext;
}

function sendHtml(res: Response, status: number, body: string): void {
  res.status(status).type('text/html; charset=utf-8').send(body);
}

export function consoleRouter(d: ConsoleDeps): Router {
  const assets = d.assets ?? loadConsoleAssets();
  if (!assets.dir) d.log.warn('the console assets (dist/ui) were not found: run `npm run build`; pages are served without style and script');
  const random = d.random ?? systemRandom;
  const sessions = new ConsoleSessions({
    store: d.store,
    authority: d.authority,
    clock: d.clock,
    random,
    idleTimeoutSeconds: d.config.console.idleTimeoutSeconds,
    lifetimeSeconds: d.config.console.lifetimeSeconds,
  });
  const caName = commonNameOf(decodeCertificate(d.issuer.root).subject) ?? 'rapki CA';
  const a = d.authority;
  const r = Router();

  r.use(consoleHeaders);

  // --- assets: immutable URLs, no session needed (the sign-in page uses them)
  r.get('/assets/:hash/:file', (req, res) => {
    const f = req.params.hash === assets.hash ? assets.get(String(req.params.file)) : undefined;
    if (!f) throw caError('not_found');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type(f.type).send(f.body);
  });

  r.use(express.urlencoded({ extended: false, limit: d.config.bodyLimitBytes, parameterLimit: 50, type: 'application/x-www-form-urlencoded' }));

  // --- sign-in (no session yet: a double-submit cookie and the Origin check guard the form)
  const signInForm = (res: Response, status: number, notice?: Notice): void => {
    const formToken = newSecretToken('', random);
    setCookie(res, SIGN_IN_COOKIE, formToken, 3600);
    sendHtml(res, status, signInPage(assets, { caName, formToken, notice }));
  };

  r.get('/sign-in', async (req, res) => {
    const q = validateQuery(req, ['ended', 'signed_out']);
    const sid = readCookie(req, SESSION_COOKIE);
    if (sid && (await sessions.check(sid)).ok) {
      res.redirect(303, '/ui/');
      return;
    }
    const notice: Notice | undefined =
      q.signed_out !== undefined
        ? { kind: 'ok', text: 'Signed out. The session has ended on the server.' }
        : q.ended !== undefined
          ? {
              kind: 'info',
              text:
                q.ended === 'token_ended'
                  ? 'The admin token of your session was revoked or expired; sign in with another.'
                  : 'Your session has ended; sign in again.',
            }
          : undefined;
    signInForm(res, 200, notice);
  });

  r.post('/sign-in', async (req, res) => {
    const given = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    const cookie = readCookie(req, SIGN_IN_COOKIE);
    if (!fromOwnOrigin(req) || !cookie || !tokensEqual(cookie, given)) {
      d.metrics.errors.inc({ code: 'csrf_failed' });
      signInForm(res, httpStatusOf('csrf_failed'), {
        kind: 'error',
        code: 'csrf_failed',
        text: 'The sign-in form had expired or did not come from this console. Try again.',
      });
      return;
    }
    const b = formBody(req, { token: { type: 'string', required: true, maxLength: 200 } });
    const token = (b.token ?? '').trim();
    const signed = await sessions.signIn(token);
    if (!signed) {
      (res.locals.log as Logger).info('console sign-in refused: token unknown, expired or revoked');
      d.metrics.errors.inc({ code: 'unauthorized' });
      signInForm(res, 401, {
        kind: 'error',
        code: 'unauthorized',
        text: 'That token was not accepted: it is unknown, expired or revoked. Check that it was copied whole (it starts with rapki_at_); an admin can list tokens with rapki admin-token list.',
      });
      return;
    }
    clearCookie(res, SIGN_IN_COOKIE);
    setCookie(res, SESSION_COOKIE, signed.sessionId, d.config.console.lifetimeSeconds);
    (res.locals.log as Logger).info({ tokenId: signed.principal.id, role: signed.principal.role }, 'console sign-in');
    res.redirect(303, '/ui/');
  });

  // --- everything else needs a session
  r.use(async (req: Request, res: Response, next: NextFunction) => {
    if (!UI_ROUTES.some(([re]) => re.test(req.path))) {
      next(); // 404 below, without telling whether a session exists
      return;
    }
    const sid = readCookie(req, SESSION_COOKIE);
    const check = sid ? await sessions.check(sid) : undefined;
    if (!sid || !check?.ok) {
      if (sid) clearCookie(res, SESSION_COOKIE);
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.redirect(303, check && !check.ok ? `/ui/sign-in?ended=${check.reason}` : '/ui/sign-in');
        return;
      }
      throw caError('unauthorized', 'Your console session has ended; sign in again.');
    }
    res.locals.admin = check.principal;
    res.locals.via = 'ui';
    res.locals.sessionId = sid;
    res.locals.page = { assets, principal: check.principal, csrf: csrfTokenFor(sid), caName } satisfies PageContext;
    next();
  });

  // CSRF: every state-changing request carries the session's form token and comes from this origin.
  r.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !res.locals.page) {
      next();
      return;
    }
    const given = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    if (!fromOwnOrigin(req) || !tokensEqual(ctxOf(res).csrf, given)) throw caError('csrf_failed');
    next();
  });

  r.post('/sign-out', async (req, res) => {
    formBody(req, {});
    await sessions.signOut(String(res.locals.sessionId), ctxOf(res).principal);
    clearCookie(res, SESSION_COOKIE);
    res.redirect(303, '/ui/sign-in?signed_out=1');
  });

  // --- Overview
  r.get('/', async (req, res) => {
    validateQuery(req, []);
    const ctx = ctxOf(res);
    const now = d.clock();
    const isAdmin = ctx.principal.role === 'admin';
    const edges = Array.from({ length: CHART_DAYS + 1 }, (_, i) => new Date(now.getTime() + i * DAY_MS));
    const [stats, crl, recent] = await Promise.all([a.certificateStats(edges), d.crl.current(), a.searchAudit({ limit: 10 })]);
    const st = isAdmin ? d.rotation?.manager.state() : undefined;
    const body = overviewBody({
      stats,
      buckets: stats.expiring.map((n, i) => ({ label: i === 0 ? 'within 1 d' : `${i}–${i + 1} d`, count: n })),
      crl: crl
        ? {
            number: crl.number,
            thisUpdate: crl.thisUpdate,
            nextUpdate: crl.nextUpdate,
            pemBytes: Buffer.byteLength(crl.pem),
            limitBytes: CRL_PEM_MAX_BYTES,
            warnBytes: CRL_PEM_WARN_BYTES,
          }
        : undefined,
      sync: isAdmin
        ? (d.syncState?.() ?? { crl: undefined, alarm: undefined, targets: [], counters: { pushes: 0, failures: 0, refused: 0, calls: 0 } })
        : undefined,
      rotation: isAdmin ? { phase: st?.phase ?? 'idle', emergency: !!st?.emergency } : undefined,
      recent,
      now,
    });
    sendHtml(res, 200, page(ctx, { title: 'Overview', active: 'overview', body }));
  });

  // --- Certificates
  const issuerNames = async (): Promise<Map<string, { record: Awaited<ReturnType<typeof a.caCertificates>>[number]; name: string }>> => {
    const out = new Map<string, { record: Awaited<ReturnType<typeof a.caCertificates>>[number]; name: string }>();
    for (const c of await a.caCertificates()) {
      let name = c.id.slice(0, 12);
      try {
        name = commonNameOf(decodeCertificate(c.der).subject) ?? name;
      } catch {
        /* not a certificate we can read: keep the id */
      }
      out.set(c.id, { record: c, name });
    }
    return out;
  };
  const rowsOf = (certs: readonly import('../store/types.js').CertificateRecord[], names: Map<string, { name: string }>): CertRow[] =>
    certs.map((c) => ({ cert: c, status: a.statusOf(c), issuer: names.get(c.issuerId)?.name ?? c.issuerId.slice(0, 12) }));

  r.get('/certificates', async (req, res) => {
    const ctx = ctxOf(res);
    const q = validateQuery(req, ['q', 'status', 'issuer', 'sort', 'cursor']);
    const status = oneOf<CertStatus>(q.status, ['active', 'expired', 'revoked'], 'status');
    const sort = oneOf<CertificateSort>(q.sort, ['newest', 'expiry_asc', 'expiry_desc'], 'sort') ?? 'newest';
    if (q.issuer !== undefined && !/^[0-9a-f]{64}$/.test(q.issuer)) throw caError('invalid_request', 'issuer must be the id of a CA certificate.');
    const text = q.q ?? '';
    if (text.length > MAX_SEARCH_LENGTH) throw caError('invalid_request', 'The search text is too long.');
    const crit = searchCriteria(text);
    const [names, found] = await Promise.all([
      issuerNames(),
      a.searchCertificates({ namePrefix: crit?.namePrefix, serials: crit?.serials, status, issuerId: q.issuer, sort, cursor: q.cursor, limit: PAGE_SIZE }),
    ]);
    const body = certificatesBody({
      q: text,
      status,
      issuer: q.issuer,
      sort,
      rows: rowsOf(found.items, names),
      nextCursor: found.nextCursor,
      firstPage: q.cursor === undefined,
      issuers: [...names.values()],
      now: d.clock(),
      canRevoke: ctx.principal.role === 'admin',
      csrf: ctx.csrf,
    });
    sendHtml(res, 200, page(ctx, { title: 'Certificates', active: 'certificates', body }));
  });

  r.post('/certificates/:serial/revoke', requireRole('admin'), async (req, res) => {
    const b = formBody(req, { reason: { type: 'string', maxLength: 40 } });
    const out = await a.revokeSerial(String(req.params.serial), b.reason, actorOf(res));
    res.redirect(303, `/ui/hosts/${encodeURIComponent(out.record.host)}?done=revoked&serial=${out.record.serial}&crl=${out.crlNumber}#s-${out.record.serial}`);
  });

  // --- a host
  const hostParam = (req: Request): string => {
    const host = String(req.params.name);
    validateSubject(host);
    return host;
  };

  r.get('/hosts/:name', async (req, res) => {
    const ctx = ctxOf(res);
    const host = hostParam(req);
    const q = validateQuery(req, ['done', 'serial', 'crl', 'n']);
    const [names, list, blocked] = await Promise.all([issuerNames(), a.listCertificates({ host, limit: HOST_PAGE_SIZE }), a.isHostBlocked(host)]);
    if (list.items.length === 0 && !blocked) throw caError('host_not_found', `No certificate was ever issued to "${host}".`);
    const body = hostBody({
      host,
      blocked,
      rows: rowsOf(list.items, names),
      truncated: list.nextCursor !== undefined,
      now: d.clock(),
      canRevoke: ctx.principal.role === 'admin',
      csrf: ctx.csrf,
    });
    sendHtml(res, 200, page(ctx, { title: `Host ${host}`, active: 'certificates', body, notice: doneNotice(q) }));
  });

  r.post('/hosts/:name/revoke', requireRole('admin'), async (req, res) => {
    const host = hostParam(req);
    const b = formBody(req, { reason: { type: 'string', maxLength: 40 } });
    const out = await a.revokeHost(host, b.reason, actorOf(res));
    res.redirect(303, `/ui/hosts/${encodeURIComponent(host)}?done=host-revoked&n=${out.serials.length}&crl=${out.crlNumber}`);
  });

  r.post('/hosts/:name/unblock', requireRole('admin'), async (req, res) => {
    const host = hostParam(req);
    formBody(req, {});
    await a.unblockHost(host, actorOf(res));
    res.redirect(303, `/ui/hosts/${encodeURIComponent(host)}?done=unblocked`);
  });

  // --- Tokens
  const cfg = d.config.authority;
  const tokenDefaults = {
    ttl: `${cfg.defaultTokenTtlSeconds}s (${span(cfg.defaultTokenTtlSeconds * 1000)})`,
    certTtl: `${cfg.defaultCertTtlSeconds}s (${span(cfg.defaultCertTtlSeconds * 1000)})`,
    maxTtl: span(cfg.maxTokenTtlSeconds * 1000),
    maxCertTtl: span(cfg.maxCertTtlSeconds * 1000),
  };
  const tokensPage = async (res: Response, status: number, o: { form?: TokenFormValues; created?: CreatedTokenView; notice?: Notice }): Promise<void> => {
    const ctx = ctxOf(res);
    const adminTokens = ctx.principal.role === 'admin' ? await a.listAdminTokens() : undefined;
    const body = tokensBody({
      form: o.form ?? { subject: '', sans: '', ttl: '', certTtl: '' },
      created: o.created,
      adminTokens,
      selfTokenId: ctx.principal.id,
      now: d.clock(),
      csrf: ctx.csrf,
      defaults: tokenDefaults,
    });
    sendHtml(res, status, page(ctx, { title: 'Tokens', active: 'tokens', body, notice: o.notice }));
  };

  r.get('/tokens', async (req, res) => {
    const q = validateQuery(req, ['done', 'id']);
    await tokensPage(res, 200, { notice: doneNotice(q) });
  });

  r.post('/tokens', async (req, res) => {
    const b = formBody(req, {
      subject: { type: 'string', required: true, maxLength: 64 },
      sans: { type: 'string', maxLength: 21 * 1024 },
      ttl: { type: 'string', maxLength: 12 },
      certTtl: { type: 'string', maxLength: 12 },
    });
    const form: TokenFormValues = { subject: b.subject ?? '', sans: b.sans ?? '', ttl: b.ttl ?? '', certTtl: b.certTtl ?? '' };
    try {
      const sans = (b.sans ?? '')
        .split(/[\r\n,]+/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (sans.length > MAX_SANS) throw caError('invalid_request', `At most ${MAX_SANS} SANs.`);
      const t = await a.createEnrollmentToken(
        {
          subject: form.subject.trim(),
          sans,
          ttlSeconds: b.ttl === undefined ? undefined : parseDurationSeconds(b.ttl, 'Token lifetime'),
          certTtlSeconds: b.certTtl === undefined ? undefined : parseDurationSeconds(b.certTtl, 'Certificate lifetime'),
        },
        actorOf(res),
      );
      const caUrl = ownOrigin(req) ?? `https://${d.config.host}:${d.config.port}`;
      const fingerprint = sha256Fingerprint((d.rotation?.switch.primary ?? d.issuer).root);
      await tokensPage(res, 201, {
        created: { token: t.token, subject: t.subject, expiresAt: t.expiresAt, command: enrollCommand({ token: t.token, caUrl, fingerprint }) },
        notice: { kind: 'ok', text: `Token created for ${t.subject}.` },
      });
    } catch (err) {
      if (!isRapkiError(err) || httpStatusOf(err.code) >= 500) throw err;
      d.metrics.errors.inc({ code: err.code });
      await tokensPage(res, httpStatusOf(err.code), { form, notice: { kind: 'error', code: err.code, text: err.message } });
    }
  });

  r.post('/admin-tokens/:id/revoke', requireRole('admin'), async (req, res) => {
    formBody(req, {});
    const t = await a.revokeAdminToken(String(req.params.id), actorOf(res));
    res.redirect(303, `/ui/tokens?done=admin-token-revoked&id=${t.id}`);
  });

  // --- Audit
  const auditPage = async (req: Request, res: Response, verify: VerifyResult | undefined): Promise<void> => {
    const q = validateQuery(req, verify ? [] : ['action', 'actor', 'from', 'to', 'before']);
    if (q.action !== undefined && !/^[a-z][a-z0-9_.]{0,63}$/.test(q.action)) throw caError('invalid_request', 'action must be an audit action name.');
    if (q.actor !== undefined && q.actor.length > 200) throw caError('invalid_request', 'actor is too long.');
    const since = utcField(q.from, 'from');
    const until = utcField(q.to, 'to');
    if (q.before !== undefined && !/^\d{1,15}$/.test(q.before)) throw caError('invalid_request', 'The page cursor is not valid.');
    const records = await a.searchAudit({
      action: q.action,
      actorPrefix: q.actor,
      since,
      until,
      beforeSeq: q.before === undefined ? undefined : Number(q.before),
      limit: PAGE_SIZE + 1,
    });
    const shown = records.slice(0, PAGE_SIZE);
    const filter: AuditFilterValues = { action: q.action, actor: q.actor, from: q.from, to: q.to };
    const href = (before?: number): string => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(filter)) if (v !== undefined) p.set(k, v);
      if (before !== undefined) p.set('before', String(before));
      const s = p.toString();
      return `/ui/audit${s ? `?${s}` : ''}`;
    };
    const body = auditBody({
      filter,
      records: shown,
      olderHref: records.length > PAGE_SIZE ? href(shown[shown.length - 1]!.seq) : undefined,
      newestHref: q.before !== undefined ? href() : undefined,
      verify,
    });
    sendHtml(res, 200, page(ctxOf(res), { title: 'Audit', active: 'audit', body }));
  };
  r.get('/audit', (req, res) => auditPage(req, res, undefined));
  r.get('/audit/verify', async (req, res) => auditPage(req, res, await a.verifyAudit()));

  // --- Rotation (admin only, as `/v1/admin/rotation`)
  const rotationPage = async (res: Response, status: number, notice?: Notice): Promise<void> => {
    const rot = d.rotation;
    if (!rot) throw caError('not_found', 'CA rotation is not available on this server.');
    const body = rotationBody({
      status: await rot.manager.status(),
      caName,
      keyTypes: CA_KEY_TYPES,
      now: d.clock(),
      csrf: ctxOf(res).csrf,
    });
    sendHtml(res, status, page(ctxOf(res), { title: 'Rotation', active: 'rotation', body, notice }));
  };
  /** Runs a rotation step and shows the page with its outcome (a rotation error as a notice, with its status). */
  const rotationStep = async (res: Response, step: () => Promise<{ warnings: readonly string[] }>, done: string): Promise<void> => {
    try {
      const st = await step();
      await rotationPage(res, 200, { kind: 'ok', text: [done, ...st.warnings].join(' — ') });
    } catch (err) {
      if (isRapkiError(err) && Object.hasOwn(ROTATION_ERRORS, err.code)) {
        const e = toHttpError(err, res.locals.log as Logger);
        d.metrics.errors.inc({ code: e.body.code });
        await rotationPage(res, e.status, { kind: 'error', text: `${e.body.message} (${e.body.code})` });
        return;
      }
      throw err;
    }
  };

  r.get('/rotation', requireRole('admin'), async (req, res) => {
    validateQuery(req, []);
    await rotationPage(res, 200);
  });

  r.post('/rotation/start', requireRole('admin'), async (req, res) => {
    const b = formBody(req, {
      keyType: { type: 'string', maxLength: 16 },
      emergency: { type: 'string', maxLength: 3 },
      confirmName: { type: 'string', maxLength: 200 },
    });
    if (b.keyType !== undefined && !(CA_KEY_TYPES as readonly string[]).includes(b.keyType)) {
      throw caError('invalid_request', `keyType must be one of ${CA_KEY_TYPES.join(', ')}.`);
    }
    const emergency = b.emergency === 'yes';
    if (emergency && (b.confirmName ?? '').trim() !== caName) {
      d.metrics.errors.inc({ code: 'invalid_request' });
      await rotationPage(res, 400, { kind: 'error', text: `To start an emergency rotation, type the CA's name exactly: ${caName}. Nothing was changed.` });
      return;
    }
    await rotationStep(
      res,
      () => d.rotation!.manager.start({ keyType: b.keyType as CaKeyType | undefined, emergency, actor: actorOf(res) }),
      emergency ? 'Emergency rotation: done.' : 'Rotation started.',
    );
  });

  r.post('/rotation/finish', requireRole('admin'), async (req, res) => {
    const b = formBody(req, { force: { type: 'string', maxLength: 3 } });
    await rotationStep(res, () => d.rotation!.manager.finish({ force: b.force === 'yes', actor: actorOf(res) }), 'Rotation finished.');
  });

  r.post('/rotation/abort', requireRole('admin'), async (req, res) => {
    const b = formBody(req, { force: { type: 'string', maxLength: 3 } });
    await rotationStep(res, () => d.rotation!.manager.abort({ force: b.force === 'yes', actor: actorOf(res) }), 'Rotation aborted.');
  });

  // --- not found / wrong method, then errors as pages
  r.use((req: Request, _res: Response, next: NextFunction) => {
    const known = UI_ROUTES.find(([re]) => re.test(req.path));
    next(known && !known[1].includes(req.method) ? caError('method_not_allowed') : caError('not_found', 'No such console page.'));
  });

  r.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    const log = (res.locals.log as Logger | undefined) ?? d.log;
    const { status, body: e } = toHttpError(err, log);
    d.metrics.errors.inc({ code: e.code });
    if (res.headersSent) return;
    if (e.code === 'method_not_allowed') res.setHeader('Allow', UI_ROUTES.find(([re]) => re.test(req.path))?.[1].join(', ') ?? 'GET');
    const body = errorBody({ ...e, status, requestId: res.locals.requestId as string | undefined });
    const ctx = res.locals.page as PageContext | undefined;
    sendHtml(res, status, ctx ? page(ctx, { title: errorTitle(status), body }) : bareDocument(assets, errorTitle(status), body));
  });

  return r;
}

function errorTitle(status: number): string {
  if (status === 401) return 'Sign in again';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Not found';
  if (status === 429) return 'Too many requests';
  return status >= 500 ? 'Something went wrong' : 'That did not work';
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw caError('invalid_request', `${name} must be one of ${allowed.join(', ')}.`);
  return v as T;
}

/** `YYYY-MM-DDTHH:MM[:SS]` (a datetime-local field) read as UTC. */
function utcField(v: string | undefined, name: string): Date | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  const t = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)) : NaN;
  if (!Number.isFinite(t)) throw caError('invalid_request', `${name} must be a date and time like 2026-11-01T08:00.`);
  return new Date(t);
}

/** The message after a redirect (`?done=…`): fixed texts, parameters checked. */
function doneNotice(q: Record<string, string | undefined>): Notice | undefined {
  const num = (v: string | undefined): string | undefined => (v !== undefined && /^\d{1,15}$/.test(v) ? v : undefined);
  const hex = (v: string | undefined): string | undefined => (v !== undefined && /^[0-9a-f]{1,40}$/.test(v) ? v : undefined);
  const crl = num(q.crl);
  const pushed = crl ? ` CRL ${crl} is published and pushed to the registered trust anchors.` : '';
  switch (q.done) {
    case 'revoked':
      return { kind: 'ok', text: `Certificate ${hex(q.serial) ?? ''} revoked.${pushed}` };
    case 'host-revoked':
      return { kind: 'ok', text: `Host revoked: ${num(q.n) ?? '0'} certificate(s), and the host is blocked.${pushed}` };
    case 'unblocked':
      return { kind: 'ok', text: 'Host unblocked: it may enroll again with a new token.' };
    case 'admin-token-revoked':
      return { kind: 'ok', text: `Admin token ${hex(q.id) ?? ''} revoked; its sessions have ended.` };
    default:
      return undefined;
  }
}
