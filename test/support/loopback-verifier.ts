/**
 * A loopback stand-in for the CreateSession endpoint that verifies requests the way the service
 * does, with its OWN code (no import from signer/): it rebuilds the canonical request from the wire
 * (method, path, sorted query, the headers named in SignedHeaders, payload hash), checks that the
 * Credential serial is the decimal serial of the X-Amz-X509 certificate, verifies the signature
 * with node:crypto and the certificate's public key (SHA-256 for RSA and EC), and checks the date
 * window. So a signing bug cannot hide behind the same bug in the verifier.
 *
 * It serves HTTPS on 127.0.0.1:0 with a self-signed certificate made by `openssl` at test time,
 * answers 201 with a credentialSet, or the service's errors (403 AccessDeniedException
 * "Invalid signature", …) with `x-amzn-errortype`. It can be scripted to fail the next requests
 * (500/429/any error, or stall) and it records every request: what the emulator, which serves
 * every flow that needs a real service, deliberately does not do.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A request as it arrived, for assertions. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** Outcome of the independent verification ('ok' or the error message sent). */
  readonly verdict: string;
  readonly amzDate: string | undefined;
}

/** A scripted answer for the next request (before verification). */
export type ScriptedAnswer =
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly code?: string;
      readonly message?: string;
      readonly codeIn?: 'header' | 'body' | 'both' | 'type';
    }
  | { readonly kind: 'stall' }
  | { readonly kind: 'raw'; readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  | { readonly kind: 'destroy' };

export interface VerifierOptions {
  /** Region the scope must name; default us-east-1. */
  readonly region?: string;
  /** Path the request must arrive on; default `/sessions`. */
  readonly path?: string;
  /** PEM roots: when set, leaf + X-Amz-X509-Chain must chain to one of them ("Untrusted Signing Certificate"). */
  readonly trustedRootsPem?: string;
  /** When false, a roleSessionName in the body is refused as the service does; default true. */
  readonly acceptRoleSessionName?: boolean;
  /** Decimal serials refused as revoked. */
  readonly revokedSerials?: readonly string[];
  /** Simulates a path-routing gateway in front of the service: strips this prefix before verifying. */
  readonly stripPrefix?: string;
  /** Serve plain HTTP instead of HTTPS (loopback emulators; the signer allows http only on loopback). */
  readonly plainHttp?: boolean;
  /** Clock of the verifier (for the 5-minute window); default Date.now. */
  readonly now?: () => number;
}

export interface LoopbackVerifier {
  readonly url: string;
  readonly port: number;
  /** PEM of the server's self-signed certificate (use as AWS_CA_BUNDLE). */
  readonly caPem: string;
  /** Path of a file holding `caPem`. */
  readonly caFile: string;
  readonly requests: RecordedRequest[];
  /** Queues scripted answers for the next requests. */
  script(...answers: ScriptedAnswer[]): void;
  /** Queues `n` identical failures. */
  failNext(n: number, status: number, code?: string, message?: string): void;
  reset(): void;
  close(): Promise<void>;
}

const AUTH_RE =
  /^(AWS4-X509-RSA-SHA256|AWS4-X509-ECDSA-SHA256) Credential=(\d+)\/(\d{8})\/([a-z0-9-]+)\/rolesanywhere\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]+)$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 3986 encoding as SigV4 wants it (unreserved kept, everything else %XX upper-case). */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery.split('&').map((p) => {
    const i = p.indexOf('=');
    const k = decodeURIComponent((i < 0 ? p : p.slice(0, i)).replace(/\+/g, ' '));
    const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' '));
    return [rfc3986(k), rfc3986(v)] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function sha256hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function amzDateToMs(d: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function headerValue(h: string | string[] | undefined): string | undefined {
  if (h === undefined) return undefined;
  return Array.isArray(h) ? h.join(',') : h;
}

function chainsToRoot(leaf: X509Certificate, chain: X509Certificate[], roots: X509Certificate[]): boolean {
  let current = leaf;
  const pool = [...chain];
  for (let depth = 0; depth < 8; depth++) {
    for (const root of roots) {
      if (current.fingerprint256 === root.fingerprint256) return true;
      if (current.checkIssued(root) && current.verify(root.publicKey)) return true;
    }
    const next = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) return false;
    current = next;
  }
  return false;
}

/** Verifies one request independently; returns the decimal serial and parsed body, or throws a Refusal. */
function verifyRequest(
  method: string,
  url: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
  opts: Required<Pick<VerifierOptions, 'region' | 'path'>> & VerifierOptions,
  nowMs: number,
): { serial: string; durationSeconds: number; roleSessionName: string | undefined; leaf: X509Certificate } {
  if (method !== 'POST') throw new Refusal(405, 'ValidationException', `method ${method} not allowed`);
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  if (path !== opts.path) throw new Refusal(404, 'ResourceNotFoundException', `no route ${path}`);
  const auth = headerValue(headers.authorization);
  if (!auth) throw new Refusal(403, 'AccessDeniedException', 'Missing Authentication Token');
  const m = AUTH_RE.exec(auth);
  if (!m) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  const [, algorithm, credSerial, scopeDate, scopeRegion, signedHeadersStr, sigHex] = m as unknown as string[];
  const signedHeaders = signedHeadersStr!.split(';');
  const sortedCopy = [...signedHeaders].sort();
  if (sortedCopy.join(';') !== signedHeadersStr) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  for (const required of ['host', 'x-amz-date', 'x-amz-x509']) {
    if (!signedHeaders.includes(required)) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  }
  if (headers['x-amz-x509-chain'] !== undefined && !signedHeaders.includes('x-amz-x509-chain')) {
    throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  }
  const amzDate = headerValue(headers['x-amz-date']) ?? '';
  const t = amzDateToMs(amzDate);
  if (Number.isNaN(t) || Math.abs(nowMs - t) > 5 * 60_000) {
    throw new Refusal(403, 'AccessDeniedException', 'Signature expired or not yet valid');
  }
  if (scopeDate !== amzDate.slice(0, 8)) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  if (scopeRegion !== opts.region) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');

  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(Buffer.from(headerValue(headers['x-amz-x509']) ?? '', 'base64'));
  } catch {
    throw new Refusal(400, 'ValidationException', 'Invalid X-Amz-X509 header');
  }
  const chainHdr = headerValue(headers['x-amz-x509-chain']);
  let chain: X509Certificate[] = [];
  if (chainHdr !== undefined) {
    try {
      chain = chainHdr.split(',').map((b) => new X509Certificate(Buffer.from(b, 'base64')));
    } catch {
      throw new Refusal(400, 'ValidationException', 'Invalid X-Amz-X509-Chain header');
    }
    if (chain.length > 5) throw new Refusal(400, 'ValidationException', 'Certificate chain too long');
  }
  const serial = BigInt(`0x${leaf.serialNumber}`).toString(10);
  if (serial !== credSerial) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  const keyType = leaf.publicKey.asymmetricKeyType;
  if ((keyType === 'rsa' && algorithm !== 'AWS4-X509-RSA-SHA256') || (keyType === 'ec' && algorithm !== 'AWS4-X509-ECDSA-SHA256')) {
    throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
  }

  const canonicalHeaders = signedHeaders.map((name) => {
    const v = headerValue(headers[name]);
    if (v === undefined) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');
    return `${name}:${v.trim().replace(/ +/g, ' ')}`;
  });
  const canonicalRequest = [method, path, canonicalQuery(rawQuery), `${canonicalHeaders.join('\n')}\n`, signedHeadersStr, sha256hex(body)].join('\n');
  const stringToSign = [algorithm, amzDate, `${scopeDate}/${scopeRegion}/rolesanywhere/aws4_request`, sha256hex(canonicalRequest)].join('\n');
  const ok = cryptoVerify('sha256', Buffer.from(stringToSign, 'utf8'), leaf.publicKey, Buffer.from(sigHex!, 'hex'));
  if (!ok) throw new Refusal(403, 'AccessDeniedException', 'Invalid signature');

  const params = new URLSearchParams(rawQuery);
  for (const p of ['profileArn', 'roleArn', 'trustAnchorArn']) {
    if (!params.get(p))
      throw new Refusal(400, 'ValidationException', `1 validation error detected: Value null at '${p}' failed to satisfy constraint: Member must not be null`);
  }
  let parsed: { durationSeconds?: unknown; roleSessionName?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new Refusal(400, 'ValidationException', 'Request body is not valid JSON');
  }
  const d = parsed.durationSeconds ?? 3600;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 900 || d > 43200) {
    throw new Refusal(
      400,
      'ValidationException',
      `1 validation error detected: Value '${String(d)}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  if (opts.trustedRootsPem) {
    const roots = splitPem(opts.trustedRootsPem).map((p) => new X509Certificate(p));
    if (!chainsToRoot(leaf, chain, roots)) throw new Refusal(403, 'AccessDeniedException', 'Untrusted Signing Certificate');
  }
  if (opts.revokedSerials?.includes(serial)) throw new Refusal(403, 'AccessDeniedException', 'Certificate has been revoked');
  const rsn = typeof parsed.roleSessionName === 'string' ? parsed.roleSessionName : undefined;
  if (rsn !== undefined && opts.acceptRoleSessionName === false) {
    throw new Refusal(403, 'AccessDeniedException', 'Not authorized to set roleSessionName.');
  }
  return { serial, durationSeconds: d, roleSessionName: rsn, leaf };
}

function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Makes a self-signed server certificate for 127.0.0.1 and localhost (plus `extraDnsNames`, e.g.
 * a public endpoint name reached through a test proxy) with openssl; returns PEMs.
 */
export function makeServerCertificate(extraDnsNames: readonly string[] = []): { keyPem: string; certPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rapki-verifier-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=rapki loopback verifier',
        '-addext',
        `subjectAltName=IP:127.0.0.1,DNS:localhost${extraDnsNames.map((n) => `,DNS:${n}`).join('')}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      { stdio: 'pipe' },
    );
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let counter = 0;

/** Starts a verifier on 127.0.0.1:0. `server` reuses a certificate made earlier (saves an openssl run). */
export async function startLoopbackVerifier(options: VerifierOptions = {}, server?: { keyPem: string; certPem: string }): Promise<LoopbackVerifier> {
  const opts = { region: 'us-east-1', path: '/sessions', ...options };
  const tls = server ?? makeServerCertificate();
  const caDir = mkdtempSync(join(tmpdir(), 'rapki-verifier-ca-'));
  const caFile = join(caDir, 'ca.pem');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(caFile, tls.certPem);
  const requests: RecordedRequest[] = [];
  const queue: ScriptedAnswer[] = [];
  const stalled = new Set<http.ServerResponse>();

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record = (verdict: string): void => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: { ...req.headers },
          body,
          verdict,
          amzDate: headerValue(req.headers['x-amz-date']),
        });
      };
      const sendError = (status: number, code: string | undefined, message: string, codeIn: 'header' | 'body' | 'both' | 'type' = 'header'): void => {
        const h: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': `req-${++counter}` };
        const b: Record<string, string> = { message };
        if (code && (codeIn === 'header' || codeIn === 'both')) h['x-amzn-errortype'] = `${code}:http://internal.amazon.com/coral/com.amazonaws.rolesanywhere/`;
        if (code && (codeIn === 'body' || codeIn === 'both')) b.code = code;
        if (code && codeIn === 'type') b.__type = `com.amazonaws.rolesanywhere#${code}`;
        res.writeHead(status, h).end(JSON.stringify(b));
      };
      const scripted = queue.shift();
      if (scripted) {
        record(`scripted:${scripted.kind}`);
        if (scripted.kind === 'stall') {
          stalled.add(res);
          return;
        }
        if (scripted.kind === 'destroy') {
          req.socket.destroy();
          return;
        }
        if (scripted.kind === 'raw') {
          res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers }).end(scripted.body);
          return;
        }
        sendError(scripted.status, scripted.code, scripted.message ?? 'scripted failure', scripted.codeIn);
        return;
      }
      try {
        const nowMs = (opts.now ?? Date.now)();
        let url = req.url ?? '';
        if (opts.stripPrefix && url.startsWith(`${opts.stripPrefix}/`)) url = url.slice(opts.stripPrefix.length);
        const v = verifyRequest(req.method ?? '', url, req.headers, body, opts, nowMs);
        record('ok');
        const exp = new Date(nowMs + v.durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const params = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
        const roleArn = params.get('roleArn') ?? '';
        const session = v.roleSessionName ?? v.leaf.serialNumber.toLowerCase();
        const n = ++counter;
        res.writeHead(201, { 'content-type': 'application/json', 'x-amzn-requestid': `req-${n}` }).end(
          JSON.stringify({
            credentialSet: [
              {
                assumedRoleUser: {
                  arn: `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${session}`,
                  assumedRoleId: `AROAEXAMPLE:${session}`,
                },
                credentials: {
                  accessKeyId: `ASIALOOPBACK${String(n).padStart(8, '0')}`,
                  expiration: exp,
                  secretAccessKey: `loopbackSecret/${n}/${v.serial}`,
                  sessionToken: `loopbackToken+${n}=`,
                },
                packedPolicySize: 10,
                roleArn,
                sourceIdentity: 'CN=loopback',
              },
            ],
            subjectArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:subject/00000000-0000-0000-0000-000000000000',
          }),
        );
      } catch (e) {
        if (e instanceof Refusal) {
          record(e.message);
          sendError(e.status, e.code, e.message);
        } else {
          record(`internal: ${(e as Error).message}`);
          sendError(500, 'InternalServerException', 'internal error');
        }
      }
    });
  };
  const srv = opts.plainHttp ? http.createServer(handler) : https.createServer({ key: tls.keyPem, cert: tls.certPem, minVersion: 'TLSv1.2' }, handler);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `${opts.plainHttp ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    caPem: tls.certPem,
    caFile,
    requests,
    script: (...answers) => queue.push(...answers),
    failNext: (n, status, code, message) => {
      for (let i = 0; i < n; i++) queue.push({ kind: 'error', status, ...(code ? { code } : {}), ...(message ? { message } : {}) });
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: async () => {
      for (const r of stalled) r.socket?.destroy();
      srv.closeAllConnections();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      rmSync(caDir, { recursive: true, force: true });
    },
  };
}
