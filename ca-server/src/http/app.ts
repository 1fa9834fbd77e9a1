/**
 * The CA server's express application (DESIGN.md "CA server HTTP contract"). Every route is
 * declared here in one place (step-ca `Route()`); handlers are thin and call the authority.
 * Construction is separate from listening (`https-server.ts`), so tests can mount it anywhere.
 */
import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { CertificateAuthority } from '../authority/authority.js';
import type { CrlManager } from '../authority/crl-manager.js';
import type { Clock } from '../authority/deps.js';
import type { IssuerContext } from '../authority/issuer.js';
import type { CaStore } from '../store/ca-store.js';
import type { ServeConfig } from '../config.js';
import { caError } from '../errors.js';
import type { Logger } from '../logger.js';
import { adminRouter } from './admin-routes.js';
import { adminAuth, requireRole } from './admin-auth.js';
import { caHandler, crlHandler } from './ca-routes.js';
import { enrollHandler, enrollInfoHandler, renewHandler } from './enroll-routes.js';
import { errorHandler } from './error-handler.js';
import type { CaMetrics } from './metrics.js';
import { rateLimit, TokenBucketLimiter } from './rate-limit.js';
import type { CaRotation } from '../rotation/open-rotation.js';
import { rotationAdminRouter, rotationCaHandler } from '../rotation/routes.js';
import { leanEnroll } from './lean-enroll.js';
import { requestContext } from './request-context.js';

export interface AppDeps {
  readonly authority: CertificateAuthority;
  readonly crl: CrlManager;
  readonly store: CaStore;
  readonly issuer: IssuerContext;
  readonly config: ServeConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: CaMetrics;
  /** CRL sync to Roles Anywhere (`ca-server/src/sync/setup.ts`): admin routes under /v1/admin/aws, metrics appended. */
  readonly awsSync?: { readonly router: Router; metrics(): string } | undefined;
  /** CA rotation (docs/rotation.md): `/v1/admin/rotation`, and `GET /v1/ca` with both roots. */
  readonly rotation?: CaRotation | undefined;
}

/** Known paths and their methods, for 404 vs 405. */
const ROUTES: readonly [RegExp, readonly string[]][] = [
  [/^\/v1\/enroll$/, ['POST']],
  [/^\/v1\/enroll\/info$/, ['POST']],
  [/^\/v1\/renew$/, ['POST']],
  [/^\/v1\/ca$/, ['GET', 'HEAD']],
  [/^\/v1\/crl(\.pem)?$/, ['GET', 'HEAD']],
  [/^\/v1\/admin\/tokens$/, ['POST']],
  [/^\/v1\/admin\/admin-tokens$/, ['GET', 'HEAD', 'POST']],
  [/^\/v1\/admin\/admin-tokens\/[^/]+\/revoke$/, ['POST']],
  [/^\/v1\/admin\/certificates$/, ['GET', 'HEAD']],
  [/^\/v1\/admin\/certificates\/[^/]+\/revoke$/, ['POST']],
  [/^\/v1\/admin\/hosts\/[^/]+\/(revoke|unblock)$/, ['POST']],
  [/^\/v1\/admin\/audit$/, ['GET', 'HEAD']],
  [/^\/v1\/admin\/rotation(\/plan)?\/?$/, ['GET', 'HEAD']],
  [/^\/v1\/admin\/rotation\/(start|finish|abort)$/, ['POST']],
  [/^\/(healthz|readyz|metrics)$/, ['GET', 'HEAD']],
];

/**
 * What the HTTPS server runs: the lean `POST /v1/enroll` route (`lean-enroll.ts`) for the plain
 * enrollment request, the express app for everything else; both share one enroll rate limiter.
 */
export function createRequestListener(d: AppDeps): RequestListener {
  const limiter = new TokenBucketLimiter(d.config.rateLimits.enroll, d.clock);
  const app = createApp(d, limiter);
  const lean = leanEnroll({ authority: d.authority, log: d.log, metrics: d.metrics, limiter, bodyLimitBytes: d.config.bodyLimitBytes });
  return (req, res) => {
    if (!lean(req, res)) app(req, res);
  };
}

export function createApp(d: AppDeps, enrollBuckets = new TokenBucketLimiter(d.config.rateLimits.enroll, d.clock)): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  const json = express.json({ limit: d.config.bodyLimitBytes, strict: true, type: 'application/json' });
  const enrollLimiter = rateLimit(enrollBuckets);
  const adminLimiter = rateLimit(new TokenBucketLimiter(d.config.rateLimits.admin, d.clock));

  app.use(requestContext(d.log, d.metrics));

  app.post('/v1/enroll', enrollLimiter, json, enrollHandler(d.authority));
  app.post('/v1/enroll/info', enrollLimiter, json, enrollInfoHandler(d.authority));
  app.post('/v1/renew', enrollLimiter, json, renewHandler(d.authority, d.clock));
  const rot = d.rotation;
  app.get('/v1/ca', rot ? rotationCaHandler(rot.switch, () => rot.manager.state()?.phase) : caHandler(d.issuer));
  app.get('/v1/crl', crlHandler(d.crl, d.clock, 'der'));
  app.get('/v1/crl.pem', crlHandler(d.crl, d.clock, 'pem'));
  if (rot) app.use('/v1/admin/rotation', adminLimiter, json, adminAuth(d.authority), requireRole('admin'), rotationAdminRouter(rot.manager));
  if (d.awsSync) app.use('/v1/admin/aws', adminLimiter, json, adminAuth(d.authority), requireRole('admin'), d.awsSync.router);
  app.use('/v1/admin', adminRouter(d.authority, [adminLimiter, json]));

  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await d.store.ping();
    } catch (err) {
      throw caError('not_ready', 'The store does not answer.', { cause: err });
    }
    if (!(await d.crl.current())) throw caError('not_ready', 'No CRL has been published yet.');
    res.json({ status: 'ready' });
  });
  app.get('/metrics', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; version=0.0.4').send(d.metrics.render() + (d.awsSync?.metrics() ?? ''));
  });

  app.use((req: Request, _res: Response, next: NextFunction) => {
    const known = ROUTES.find(([re]) => re.test(req.path));
    next(known && !known[1].includes(req.method) ? caError('method_not_allowed') : caError('not_found'));
  });
  app.use(errorHandler(d.log, d.metrics));
  return app;
}
