/**
 * One listener for all three faces: CreateSession (`POST /sessions`), STS (`POST /` or any
 * request whose credential scope names `sts`) and the restJson1 control plane (everything else).
 * Errors are written as each protocol's SDK parses them: `x-amzn-errortype` + `{message}` for
 * restJson1, `<ErrorResponse>` XML for awsQuery.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAuthorization } from '../auth/authorization-header.js';
import { authenticateHmac, REST_JSON_CODES } from '../auth/authenticate-hmac.js';
import { LIMITS, REASON_HEADER, SIGNING_NAME_STS } from '../constants.js';
import type { EmulatorContext } from '../context.js';
import { matchRoute } from '../control-plane/routes.js';
import { bodyObject } from '../control-plane/validate.js';
import { ServiceError, validation } from '../service-error.js';
import { createSession } from '../session/create-session.js';
import { handleSts, stsErrorXml } from '../sts/sts-handler.js';
import { toWireRequest, type WireRequest } from './wire-request.js';

export type RequestLogger = (entry: { method: string; path: string; status: number; operation: string; reason?: string }) => void;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type Face = 'session' | 'sts' | 'control';

function faceOf(wire: WireRequest): Face {
  if (wire.rawPath === '/sessions' && wire.method === 'POST') return 'session';
  const auth = parseAuthorization(wire.headers.authorization);
  if (auth?.service === SIGNING_NAME_STS) return 'sts';
  if (wire.rawPath === '/' && !auth) return 'sts';
  return 'control';
}

async function controlPlane(ctx: EmulatorContext, wire: WireRequest): Promise<{ status: number; body: unknown; operation: string }> {
  const route = matchRoute(wire.method, wire.rawPath);
  if (!route) throw new ServiceError(404, 'UnknownOperationException', 'Unknown operation', 'unknown_operation');
  const identity = await authenticateHmac(ctx, wire, REST_JSON_CODES, { requireRegion: true, allowUnknownKeys: true });
  if (identity.auth.service !== 'rolesanywhere') {
    throw new ServiceError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'rolesanywhere'.`, 'bad_scope');
  }
  let body: unknown;
  if (wire.body.length > 0) {
    try {
      body = JSON.parse(wire.body.toString('utf8'));
    } catch {
      throw new ServiceError(400, 'SerializationException', 'Request body is not valid JSON', 'invalid_json');
    }
  }
  const query = new URLSearchParams(wire.rawQuery);
  const res = route.handler(ctx, { params: route.params, query, body: bodyObject(body), callerArn: identity.callerArn });
  return { ...res, operation: route.operation };
}

export function createRequestHandler(ctx: EmulatorContext, log?: RequestLogger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    let face: Face = 'control';
    let operation = 'unknown';
    const send = (status: number, contentType: string, payload: string, extra: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(payload),
        'x-amzn-requestid': requestId,
        ...extra,
      });
      res.end(payload);
    };
    try {
      let body: Buffer;
      try {
        body = await readBody(req, LIMITS.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw new ServiceError(413, 'RequestEntityTooLargeException', 'Request body too large', 'body_too_large');
        throw err;
      }
      const wire = toWireRequest(req, body);
      face = faceOf(wire);
      if (face === 'session') {
        operation = 'CreateSession';
        const out = createSession(ctx, wire);
        send(out.status, 'application/json', JSON.stringify(out.body));
      } else if (face === 'sts') {
        operation = 'STS';
        const out = await handleSts(ctx, wire);
        send(out.status, 'text/xml', out.body);
      } else {
        const out = await controlPlane(ctx, wire);
        operation = out.operation;
        send(out.status, 'application/json', JSON.stringify(out.body));
      }
      log?.({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status: res.statusCode, operation });
    } catch (err) {
      const e =
        err instanceof ServiceError
          ? err
          : err instanceof SyntaxError
            ? validation('Malformed request')
            : new ServiceError(500, face === 'sts' ? 'InternalFailure' : 'InternalServerException', 'Internal error', 'internal_error');
      const extra: Record<string, string> = e.reason ? { [REASON_HEADER]: e.reason } : {};
      if (face === 'sts') {
        send(e.status, 'text/xml', stsErrorXml(e, requestId), extra);
      } else {
        send(e.status, 'application/json', JSON.stringify({ message: e.message }), { 'x-amzn-errortype': e.type, ...extra });
      }
      log?.({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status: e.status, operation, ...(e.reason ? { reason: e.reason } : {}) });
      if (e.status === 500 && !(err instanceof ServiceError)) process.emitWarning(`rapki emulator internal error: ${String((err as Error)?.stack ?? err)}`);
    }
  };
}
