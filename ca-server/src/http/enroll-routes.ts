/** `POST /v1/enroll`, `POST /v1/enroll/info`, `POST /v1/renew` (docs/ca-api.md). */
import type { TLSSocket } from 'node:tls';
import type { Request, Response } from 'express';
import type { CertificateAuthority, IssuedCertificate } from '../authority/authority.js';
import { caError } from '../errors.js';
import { jsonBody, validateBody, type BodySpec } from './validate.js';

const CSR_MAX = 16 * 1024;
const TOKEN_MAX = 200;

export function issuedJson(c: IssuedCertificate) {
  return {
    certificate: c.certificatePem,
    chain: c.chainPem,
    ca: c.rootPem,
    serial: c.serial,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  };
}

/** The body of `POST /v1/enroll`. */
export const ENROLL_BODY: BodySpec = {
  token: { type: 'string', required: true, maxLength: TOKEN_MAX },
  csr: { type: 'string', required: true, maxLength: CSR_MAX },
};

export function enrollHandler(authority: CertificateAuthority) {
  return async (req: Request, res: Response): Promise<void> => {
    const b = validateBody(jsonBody(req), ENROLL_BODY);
    const issued = await authority.enroll(b.token as string, b.csr as string);
    res.status(201).json(issuedJson(issued));
  };
}

export function enrollInfoHandler(authority: CertificateAuthority) {
  return async (req: Request, res: Response): Promise<void> => {
    const b = validateBody(jsonBody(req), { token: { type: 'string', required: true, maxLength: TOKEN_MAX } });
    const info = await authority.describeToken(b.token as string);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ subject: info.subject, sans: info.sans, certTtl: info.certTtlSeconds, expiresAt: info.expiresAt.toISOString() });
  };
}

/** OpenSSL verification errors that mean "outside its validity period". */
const TIME_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The TLS client certificate of the request (DER), checked to chain to this CA. */
export function clientCertificate(req: Request): Uint8Array {
  const sock = req.socket as TLSSocket;
  const peer = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate(false) : undefined;
  if (!peer || !peer.raw || peer.raw.length === 0) throw caError('client_certificate_required');
  if (!sock.authorized) {
    const why = String(sock.authorizationError ?? '');
    if (TIME_ERRORS.has(why)) throw caError('certificate_expired');
    throw caError('certificate_untrusted');
  }
  return new Uint8Array(peer.raw);
}

export function renewHandler(authority: CertificateAuthority) {
  return async (req: Request, res: Response): Promise<void> => {
    const der = clientCertificate(req);
    const b = validateBody(jsonBody(req), { csr: { type: 'string', required: true, maxLength: CSR_MAX } });
    const issued = await authority.renew(der, b.csr as string);
    res.status(201).json(issuedJson(issued));
  };
}
