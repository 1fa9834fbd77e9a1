/**
 * Test-only X.509 SigV4 signer for CreateSession (Roles Anywhere User Guide, "Signing process"),
 * written separately from both the product signer and the emulator so that neither can hide the
 * other's bug. Knobs let tests produce exactly the malformed requests the emulator must refuse.
 */
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { flipByte } from '../../support/bytes.js';
import type { WireBody } from './wire-body.js';

export interface SessionRequestOptions {
  url: string;
  certPem: string;
  keyPem: string;
  chainPems?: string[];
  trustAnchorArn: string;
  profileArn: string;
  roleArn: string;
  region?: string;
  durationSeconds?: number;
  roleSessionName?: string;
  /** 'query' (official helper style) or 'body' (awslabs Python style). */
  style?: 'query' | 'body';
  contentType?: string;
  /** Host header to sign and send (default: the URL's host). */
  host?: string;
  date?: Date;
  /** Change the body after signing. */
  tamperBody?: (body: string) => string;
  /** Flip a signature byte. */
  corruptSignature?: boolean;
  /** TLS: trusted CA for https URLs. */
  ca?: string;
}

export interface SessionResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The parsed body; undefined when it is not JSON. */
  json: WireBody | undefined;
}

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const amz = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const der = (pem: string) => new X509Certificate(pem).raw;

export async function sendCreateSession(o: SessionRequestOptions): Promise<SessionResponse> {
  const url = new URL(o.url);
  const region = o.region ?? 'us-east-1';
  const style = o.style ?? 'query';
  const date = amz(o.date ?? new Date());
  const cert = new X509Certificate(o.certPem);
  const key = createPrivateKey(o.keyPem);
  const algorithm = key.asymmetricKeyType === 'rsa' ? 'AWS4-X509-RSA-SHA256' : 'AWS4-X509-ECDSA-SHA256';
  const params = { profileArn: o.profileArn, roleArn: o.roleArn, trustAnchorArn: o.trustAnchorArn };
  const bodyObj: Record<string, unknown> = {};
  if (o.durationSeconds !== undefined) bodyObj.durationSeconds = o.durationSeconds;
  if (o.roleSessionName !== undefined) bodyObj.roleSessionName = o.roleSessionName;
  let query = '';
  if (style === 'query') {
    query = Object.entries(params)
      .sort()
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .join('&');
  } else {
    Object.assign(bodyObj, params);
  }
  const body = JSON.stringify(bodyObj);
  const host = o.host ?? url.host;
  const headers: Record<string, string> = {
    'content-type': o.contentType ?? (style === 'body' ? 'application/x-amz-json-1.0' : 'application/json'),
    host,
    'x-amz-date': date,
    'x-amz-x509': der(o.certPem).toString('base64'),
  };
  if (o.chainPems && o.chainPems.length > 0) headers['x-amz-x509-chain'] = o.chainPems.map((p) => der(p).toString('base64')).join(',');
  const signed = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/sessions',
    query,
    signed.map((h) => `${h}:${headers[h]!.trim()}`).join('\n'),
    '',
    signed.join(';'),
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const scope = `${date.slice(0, 8)}/${region}/rolesanywhere/aws4_request`;
  const sts = [algorithm, date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const sig = sign('sha256', Buffer.from(sts), key);
  if (o.corruptSignature) flipByte(sig, -3);
  const serial = BigInt(`0x${cert.serialNumber}`).toString(10);
  headers.authorization = `${algorithm} Credential=${serial}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${sig.toString('hex')}`;
  const sent = o.tamperBody ? o.tamperBody(body) : body;
  headers['content-length'] = String(Buffer.byteLength(sent));
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      {
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/sessions${query ? `?${query}` : ''}`,
        headers,
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: WireBody | undefined;
          try {
            json = JSON.parse(text) as WireBody;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(sent);
  });
}
