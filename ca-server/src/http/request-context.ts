/**
 * Per-request id, child logger, security headers and the access log line.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { CaMetrics } from './metrics.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

export function requestContext(log: Logger, metrics: CaMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    const child = log.child({ reqId: id });
    res.locals.log = child;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('Referrer-Policy', 'no-referrer');
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      const label = route ? `${req.baseUrl}${route}` : 'unmatched';
      metrics.requests.inc({ method: req.method, route: label, status: String(res.statusCode) });
      child.info(
        { method: req.method, route: label, status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6, remote: req.socket.remoteAddress },
        'request',
      );
    });
    next();
  };
}
