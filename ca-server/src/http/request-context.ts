/**
 * Per-request id, child logger, security headers and the access log line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { CaMetrics } from './metrics.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Starts a request on plain node objects (shared by the express middleware and the lean enroll
 * route): request id, security headers, and on finish the request metric and the access log
 * line. `route` names the matched route once the response is finished.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse, log: Logger, metrics: CaMetrics, route: () => string): { id: string; log: Logger } {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
  const child = log.child({ reqId: id });
  res.setHeader('X-Request-Id', id);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('Referrer-Policy', 'no-referrer');
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const label = route();
    metrics.requests.inc({ method: req.method ?? '', route: label, status: String(res.statusCode) });
    child.info(
      { method: req.method, route: label, status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6, remote: req.socket.remoteAddress },
      'request',
    );
  });
  return { id, log: child };
}

export function requestContext(log: Logger, metrics: CaMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const ctx = beginRequest(req, res, log, metrics, () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      return route ? `${req.baseUrl}${route}` : 'unmatched';
    });
    res.locals.requestId = ctx.id;
    res.locals.log = ctx.log;
    next();
  };
}
