/**
 * HTML form bodies (`application/x-www-form-urlencoded`), validated as strictly as the API's JSON
 * (`http/validate.ts`): declared fields only, each once, each bounded.
 */
import type { Request } from 'express';
import { caError } from '../errors.js';
import { validateBody, type BodySpec } from '../http/validate.js';

/** The form field that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';

export function formBody(req: Request, spec: BodySpec): Record<string, string | undefined> {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/x-www-form-urlencoded')) throw caError('unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
  const body = (hasBody ? req.body : {}) as unknown;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw caError('invalid_request');
  const out = validateBody({ ...(body as Record<string, unknown>) }, { ...spec, [CSRF_FIELD]: { type: 'string', maxLength: 200 } });
  const strings: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(out)) strings[k] = typeof v === 'string' && v !== '' ? v : undefined;
  return strings;
}
