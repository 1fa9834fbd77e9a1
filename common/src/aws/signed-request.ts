/**
 * Hand-signed restJson1 requests to the Roles Anywhere control plane, for the operations and
 * fields `@aws-sdk/client-rolesanywhere@3.332.0` cannot send or drops on reading
 * (its models predate them): PutNotificationSettings, PutAttributeMapping,
 * `acceptRoleSessionName`, and full Get* shapes. Signed with AWS SigV4 (`AWS4-HMAC-SHA256`,
 * scope `<date>/<region>/rolesanywhere/aws4_request`) by `@smithy/signature-v4`.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { RA_LIMITS, SIGNING_NAME } from './constants.js';
import { awsError } from './errors.js';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignedRequestOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: () => Promise<AwsCredentials>;
  readonly timeoutMs?: number;
}

export interface RawCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, string | string[]>;
  readonly body?: unknown;
}

/** Send one signed JSON request; returns the parsed JSON body (or `{}`), throws a coded error on 4xx/5xx. */
export async function signedJsonRequest(opts: SignedRequestOptions, call: RawCall): Promise<Record<string, unknown>> {
  const url = new URL(opts.endpoint);
  const basePath = url.pathname.replace(/\/+$/, '');
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const req = new HttpRequest({
    method: call.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: `${basePath}${call.path}`,
    query: call.query ?? {},
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  let credentials: AwsCredentials;
  try {
    credentials = await opts.credentials();
  } catch (cause) {
    throw awsError('aws_credentials_missing', undefined, { cause });
  }
  const signer = new SignatureV4({
    service: SIGNING_NAME,
    region: opts.region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: true,
  });
  const signed = await signer.sign(req);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(call.query ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
  }
  const target = new URL(`${basePath}${call.path}${qs.size > 0 ? `?${qs.toString()}` : ''}`, url);
  const { status, text, headers: resHeaders } = await send(target, call.method, signed.headers as Record<string, string>, body, opts.timeoutMs ?? 30_000);
  let parsed: Record<string, unknown> = {};
  if (text.length > 0) {
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) parsed = v as Record<string, unknown>;
    } catch (cause) {
      if (status < 300) throw awsError('aws_response_invalid', undefined, { cause });
    }
  }
  if (status >= 300) {
    const type = errorType(resHeaders['x-amzn-errortype'], parsed);
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : '';
    throw serviceError(type, message, status);
  }
  return parsed;
}

/** Map a service error type to a coded rapki error (AWS error type and message kept in details). */
export function serviceError(type: string, message: string, status: number | undefined): Error {
  const details = { awsError: type, awsMessage: message.slice(0, 500), status };
  const text = `Roles Anywhere: ${type}${message ? `: ${message.slice(0, 300)}` : ''}`;
  if (status === 429 || /Throttl|TooManyRequests/i.test(type)) return awsError('aws_throttled', text, { details });
  return awsError('aws_request_failed', text, { details });
}

function errorType(header: string | string[] | undefined, body: Record<string, unknown>): string {
  let raw = Array.isArray(header) ? header[0] : header;
  if (!raw) raw = typeof body.code === 'string' ? body.code : typeof body.__type === 'string' ? body.__type : 'UnknownError';
  // As the SDK's restJson1 error parser does: cut at ',', then ':', then keep the part after '#'.
  let t = raw.split(',')[0] ?? raw;
  t = t.split(':')[0] ?? t;
  const hash = t.indexOf('#');
  return hash >= 0 ? t.slice(hash + 1) : t;
}

/** A network failure, naming the endpoint it tried (never the path: it can carry resource ids). */
function unreachable(target: URL, cause: unknown): Error {
  const code = (cause as { code?: unknown })?.code;
  const why = typeof code === 'string' ? ` (${code})` : '';
  return awsError('aws_unreachable', `could not reach the Roles Anywhere control plane at ${target.origin}${why}`, { cause, details: { url: target.origin } });
}

function send(
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const fn = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (!fn) {
      reject(awsError('flag_value_invalid', 'the control-plane endpoint must be an http:// or https:// URL'));
      return;
    }
    const req = fn(target, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > RA_LIMITS.maxResponseBytes) {
          req.destroy(awsError('aws_response_invalid', 'control-plane response too large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', (cause) => reject(unreachable(target, cause)));
    });
    req.on('timeout', () =>
      req.destroy(
        awsError('aws_unreachable', `the Roles Anywhere control plane at ${target.origin} did not answer in time`, { details: { url: target.origin } }),
      ),
    );
    req.on('error', (cause) => reject(isCoded(cause) ? cause : unreachable(target, cause)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function isCoded(e: unknown): e is Error {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'RapkiError';
}
