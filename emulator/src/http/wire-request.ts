/**
 * A request exactly as received: method, raw path, raw query, headers (lower-cased names; values
 * of repeated headers joined with ','), raw body bytes. Every verifier rebuilds its canonical form
 * from this and nothing else.
 */
import type { IncomingMessage } from 'node:http';

export interface WireRequest {
  method: string;
  /** Path as received, still percent-encoded, without the query. */
  rawPath: string;
  /** Query string as received, without '?'. */
  rawQuery: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function headersFromRaw(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

export function toWireRequest(req: IncomingMessage, body: Buffer): WireRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? '' : url.slice(q + 1),
    headers: headersFromRaw(req.rawHeaders),
    body,
  };
}

/** Decodes an application/x-www-form-urlencoded or query string into ordered pairs. */
export function parseQueryPairs(raw: string): [string, string][] {
  if (raw === '') return [];
  const out: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    const v = eq === -1 ? '' : part.slice(eq + 1);
    out.push([safeDecode(k), safeDecode(v)]);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
