/**
 * Strict validation of JSON bodies and query strings: every field declared, unknown fields refused
 * (`invalid_request`), so a typo such as `certTTL` fails loudly instead of being ignored.
 */
import type { Request } from 'express';
import { caError } from '../errors.js';

export type FieldSpec =
  | { readonly type: 'string'; readonly required?: boolean; readonly maxLength: number }
  | { readonly type: 'string[]'; readonly required?: boolean; readonly maxItems: number; readonly maxLength: number }
  | { readonly type: 'duration'; readonly required?: boolean }
  | { readonly type: 'boolean'; readonly required?: boolean };

export type BodySpec = Readonly<Record<string, FieldSpec>>;

/** The parsed body: `{}` when the request had no body at all. */
export function jsonBody(req: Request): Record<string, unknown> {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return {};
  if (!req.is('application/json')) throw caError('unsupported_media_type');
  const b: unknown = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw caError('invalid_json');
  return b as Record<string, unknown>;
}

export function validateBody(body: Record<string, unknown>, spec: BodySpec): Record<string, unknown> {
  for (const k of Object.keys(body)) {
    if (!Object.hasOwn(spec, k)) throw caError('invalid_request', `Unknown field "${k.slice(0, 40)}".`);
  }
  for (const [k, s] of Object.entries(spec)) {
    const v = body[k];
    if (v === undefined || v === null) {
      if (s.required) throw caError('invalid_request', `Field "${k}" is required.`);
      continue;
    }
    if (s.type === 'string') {
      if (typeof v !== 'string') throw caError('invalid_request', `Field "${k}" must be a string.`);
      if (v.length > s.maxLength) throw caError('invalid_request', `Field "${k}" is too long.`);
    } else if (s.type === 'string[]') {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw caError('invalid_request', `Field "${k}" must be an array of strings.`);
      if (v.length > s.maxItems) throw caError('invalid_request', `Field "${k}" has too many items.`);
      if (v.some((x: string) => x.length > s.maxLength)) throw caError('invalid_request', `An item of "${k}" is too long.`);
    } else if (s.type === 'duration') {
      if (typeof v !== 'string' && typeof v !== 'number') throw caError('invalid_request', `Field "${k}" must be a duration.`);
    } else if (s.type === 'boolean') {
      if (typeof v !== 'boolean') throw caError('invalid_request', `Field "${k}" must be true or false.`);
    }
  }
  return body;
}

/** Query parameters: only the declared ones, each at most once; empty values count as absent. */
export function validateQuery(req: Request, allowed: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const q = req.query as Record<string, unknown>;
  for (const [k, v] of Object.entries(q)) {
    if (!allowed.includes(k)) throw caError('invalid_request', `Unknown query parameter "${k.slice(0, 40)}".`);
    if (typeof v !== 'string' || v.length > 512) throw caError('invalid_request', `Query parameter "${k}" must appear once.`);
    // `?host=&status=` (empty values, as a form or template sends them) means "not given".
    if (v !== '') out[k] = v;
  }
  return out;
}

export function parseLimit(v: string | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^\d{1,5}$/.test(v)) throw caError('invalid_request', 'limit must be a positive integer.');
  const n = Number(v);
  if (n < 1 || n > max) throw caError('invalid_request', `limit must be 1-${max}.`);
  return n;
}
