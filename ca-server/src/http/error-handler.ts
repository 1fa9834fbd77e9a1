/**
 * Sends the answer of the one error mapper (`error-mapper.ts`) on every route: the express error
 * middleware, and the same on a plain node response (the lean enroll route, `lean-enroll.ts`).
 * Every error answer is counted in `rapki_ca_errors_total{code}`.
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { toHttpError, type HttpError } from './error-mapper.js';
import type { CaMetrics } from './metrics.js';

/** Sends a mapped error as JSON on an express response. */
export function sendError(res: Response, e: HttpError, metrics: CaMetrics | undefined): void {
  metrics?.errors.inc({ code: e.body.code });
  if (res.headersSent) return;
  res.status(e.status).type('application/json').send(JSON.stringify(e.body));
}

/** Same as {@link sendError} on a plain node response (the lean enroll route, `lean-enroll.ts`). */
export function sendErrorRaw(res: ServerResponse, e: HttpError, metrics: CaMetrics | undefined): void {
  metrics?.errors.inc({ code: e.body.code });
  if (res.headersSent) return;
  const body = JSON.stringify(e.body);
  res.writeHead(e.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function errorHandler(log: Logger, metrics: CaMetrics) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    void _next;
    sendError(res, toHttpError(err, (res.locals.log as Logger | undefined) ?? log), metrics);
  };
}
