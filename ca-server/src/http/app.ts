/**
 * The CA server's express application (docs/ca-api.md: the HTTP contract). Every route is
 * declared here in one place (step-ca `Route()`); handlers are thin and call the authority.
 * Construction is separate from listening (`https-server.ts`), so tests can mount it anywhere.
 */
import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { CertificateAuthority } from '../authority/authority.js';
import type { CrlManager } from '../authority/crl-manager.js';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import type { CaStore } from '../store/ca-store.js';
import type { ServeConfig } from '../config.js';
import { caError } from '../errors.js';
import type { Logger } from '../logger.js';
import { adminRouter } from './admin-routes.js';
import { adminAuth, requireRole } from './admin-auth.js';
import { caHandler, crlHandler } from './ca-routes.js';
import { enrollHandler, enrollInfoHandler, renewHandler } from './enroll-routes.js';
import { ADMIN_PREFIX, AWS_SYNC_PREFIX, CA_PATHS, ROTATION_PREFIX } from '../../../common/src/contract/paths.js';
import { errorHandler } from './error-handler.js';
import type { CaMetrics } from './metrics.js';
import { rateLimit, TokenBucketLimiter } from './rate-limit.js';
import type { CaRotation } from '../rotation/open-rotation.js';
import { rotationAdminRouter, rotationCaHandler } from './rotation-routes.js';
import { leanEnroll } from './lean-enroll.js';
import { requestContext } from './request-context.js';
import type { SyncState } from '../sync/crl-sync.js';
import type { ConsoleAssets } from '../ui/assets.js';
import { consoleRouter } from '../ui/router.js';
import { listRoutes, type RouteInfo } from './route-list.js';

export interface AppDeps {
  readonly authority: CertificateAuthority;
  readonly crl: CrlManager;
  readonly store: CaStore;
  /** The store's part of `/metrics` (latency, pool; `store/store-metrics.ts`). */
  readonly storeMetrics?: (() => string) | undefined;
  readonly issuer: IssuerContext;
  readonly config: ServeConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: CaMetrics;
  /**
   * CRL sync to Roles Anywhere (`ca-server/src/sync/setup.ts`): admin routes under /v1/admin/aws,
   * metrics appended, its state on the console's overview.
   */
  readonly awsSync?: { readonly router: Router; metrics(): string; readonly sync?: { state(): SyncState } } | undefined;
  /** CA rotation (docs/rotation.md): `/v1/admin/rotation`, and `GET /v1/ca` with both roots. */
  readonly rotation?: CaRotation | undefined;
  /** The console's built assets (default: `dist/ui/`, `ui/assets.ts`). */
  readonly consoleAssets?: ConsoleAssets | undefined;
  /** The server's own TLS certificate (`server-tls-renewal.ts`): `/readyz` fails once it has expired. */
  readonly serverTls?: { expired(): boolean } | undefined;
}

/**
 * What the HTTPS server runs: the lean `POST /v1/enroll` route (`lean-enroll.ts`) for the plain
 * enrollment request, the express app for everything else; both share one enroll rate limiter.
 * `routes` lists what the app serves (`route-list.ts`).
 */
export function createRequestListener(d: AppDeps): RequestListener & { readonly routes: readonly RouteInfo[] } {
  const limiter = new TokenBucketLimiter(d.config.rateLimits.enroll, d.clock);
  const app = createApp(d, limiter);
  const lean = leanEnroll({ authority: d.authority, log: d.log, metrics: d.metrics, limiter, bodyLimitBytes: d.config.bodyLimitBytes });
  const listener: RequestListener = (req, res) => {
    if (!lean(req, res)) app(req, res);
  };
  return Object.assign(listener, { routes: Object.freeze(listRoutes(app)) });
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

  app.post(CA_PATHS.enroll, enrollLimiter, json, enrollHandler(d.authority));
  app.post(CA_PATHS.enrollInfo, enrollLimiter, json, enrollInfoHandler(d.authority));
  app.post(CA_PATHS.renew, enrollLimiter, json, renewHandler(d.authority, d.clock));
  const rot = d.rotation;
  app.get(CA_PATHS.ca, rot ? rotationCaHandler(rot.switch, () => rot.manager.state()?.phase) : caHandler(d.issuer));
  app.get(CA_PATHS.crl, crlHandler(d.crl, d.clock, 'der'));
  app.get(CA_PATHS.crlPem, crlHandler(d.crl, d.clock, 'pem'));
  if (rot) app.use(ROTATION_PREFIX, adminLimiter, json, adminAuth(d.authority), requireRole('admin'), rotationAdminRouter(rot.manager));
  if (d.awsSync) app.use(AWS_SYNC_PREFIX, adminLimiter, json, adminAuth(d.authority), requireRole('admin'), d.awsSync.router);
  app.use(ADMIN_PREFIX, adminRouter(d.authority, [adminLimiter, json]));
  // The web console (docs/console.md): same authority, roles, audit and admin rate limit as /v1/admin.
  if (d.config.console.enabled) {
    const sync = d.awsSync?.sync;
    app.use(
      '/ui',
      adminLimiter,
      consoleRouter({
        authority: d.authority,
        crl: d.crl,
        store: d.store,
        issuer: d.issuer,
        config: d.config,
        clock: d.clock,
        log: d.log,
        metrics: d.metrics,
        rotation: d.rotation,
        syncState: sync ? () => sync.state() : undefined,
        assets: d.consoleAssets,
      }),
    );
  }

  app.get(CA_PATHS.healthz, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  app.get(CA_PATHS.readyz, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      await d.store.ping();
    } catch (err) {
      throw caError('not_ready', 'The store does not answer.', { cause: err });
    }
    if (!(await d.crl.current())) throw caError('not_ready', 'No CRL has been published yet.');
    if (d.serverTls?.expired()) throw caError('not_ready', 'The server TLS certificate has expired and could not be reissued; see the server log.');
    res.json({ status: 'ready' });
  });
  app.get(CA_PATHS.metrics, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; version=0.0.4').send(d.metrics.render() + (d.awsSync?.metrics() ?? '') + (d.storeMetrics?.() ?? ''));
  });

  // 404 or 405, from the routes this app really has (a new route needs no table entry).
  const routes = listRoutes(app);
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const known = routes.filter((r) => r.pattern.test(req.path));
    next(known.length > 0 && !known.some((r) => r.methods === 'any' || r.methods.includes(req.method)) ? caError('method_not_allowed') : caError('not_found'));
  });
  app.use(errorHandler(d.log, d.metrics));
  return app;
}
