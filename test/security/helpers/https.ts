/**
 * One HTTPS request to the CA server with full control over headers, body and client certificate,
 * returning status, headers and body (the security tests look at all three).
 */
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface CaAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export function caRequest(
  baseUrl: string,
  path: string,
  o: { method?: string; ca: string; headers?: Record<string, string>; body?: string | Buffer; cert?: string; key?: string },
): Promise<CaAnswer> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (body) headers['content-length'] = String(body.length);
    const req = request(
      new URL(path, baseUrl),
      {
        method: o.method ?? 'GET',
        ca: o.ca,
        headers,
        agent: false,
        ...(o.cert ? { cert: o.cert, key: o.key } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** JSON POST with an optional bearer token. */
export function postJson(
  baseUrl: string,
  path: string,
  ca: string,
  json: unknown,
  bearer?: string,
  extra: { cert?: string; key?: string } = {},
): Promise<CaAnswer> {
  return caRequest(baseUrl, path, {
    method: 'POST',
    ca,
    body: JSON.stringify(json),
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    ...extra,
  });
}
