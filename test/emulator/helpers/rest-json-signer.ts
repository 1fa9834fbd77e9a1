/**
 * Hand-signed restJson1 control-plane requests (HMAC SigV4 through @smithy/signature-v4) for the
 * operations the 3.332 SDK lacks (notification settings, attribute mappings,
 * acceptRoleSessionName).
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { WireBody } from './wire-body.js';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIAEMULATORTEST0001', secretAccessKey: 'test-secret-key-for-the-emulator-000000' };

export interface SignedCall {
  status: number;
  headers: Headers;
  /** The parsed body; the text itself when it is not JSON. */
  json: WireBody;
}

export async function signedCall(
  baseUrl: string,
  method: string,
  path: string,
  opts: {
    body?: unknown;
    query?: Record<string, string | string[]>;
    region?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    date?: Date;
    rawBody?: string;
    tamperBody?: (body: string) => string;
  } = {},
): Promise<SignedCall> {
  const url = new URL(baseUrl);
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const req = new HttpRequest({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query: opts.query ?? {},
    headers: { host: url.host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const signer = new SignatureV4({
    service: 'rolesanywhere',
    region: opts.region ?? 'us-east-1',
    credentials: opts.credentials ?? TEST_CREDENTIALS,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(req, opts.date ? { signingDate: opts.date } : {});
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const q = qs.toString();
  const res = await fetch(`${baseUrl}${path}${q ? `?${q.replace(/\+/g, '%20')}` : ''}`, {
    method,
    headers: signed.headers as Record<string, string>,
    ...(body !== undefined ? { body: opts.tamperBody ? opts.tamperBody(body) : body } : {}),
  });
  const text = await res.text();
  let json: WireBody;
  try {
    json = JSON.parse(text) as WireBody;
  } catch {
    json = text as unknown as WireBody;
  }
  return { status: res.status, headers: res.headers, json };
}
