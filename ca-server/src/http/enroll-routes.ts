/** `POST /v1/enroll`, `POST /v1/enroll/info`, `POST /v1/renew` (docs/ca-api.md). */
import type { TLSSocket } from 'node:tls';
import type { Request, Response } from 'express';
import type { CertificateAuthority, IssuedCertificate } from '../authority/authority.js';
import type { Clock } from '../../../common/src/clock-and-random.js';
import { CSR_MAX_CHARS, ENROLL_TOKEN_MAX_CHARS } from '../../../common/src/contract/limits.js';
import type * as Api from '../../../common/src/contract/types.js';
import { caError } from '../errors.js';
import { verifyPossession } from './renew-possession.js';
import { jsonBody, validateBody, type BodySpec } from './validate.js';

export function issuedJson(c: IssuedCertificate): Api.IssuedCertificate {
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
  token: { type: 'string', required: true, maxLength: ENROLL_TOKEN_MAX_CHARS },
  csr: { type: 'string', required: true, maxLength: CSR_MAX_CHARS },
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
    const b = validateBody(jsonBody(req), { token: { type: 'string', required: true, maxLength: ENROLL_TOKEN_MAX_CHARS } });
    const info = await authority.describeToken(b.token as string);
    res.setHeader('Cache-Control', 'no-store');
    const body: Api.EnrollInfo = { subject: info.subject, sans: info.sans, certTtl: info.certTtlSeconds, expiresAt: info.expiresAt.toISOString() };
    res.json(body);
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

/**
 * The body of `POST /v1/renew`: the CSR, and for a host whose key cannot sign a TLS handshake (a
 * TPM key) the proof of possession that stands in for the TLS client certificate
 * (`renew-possession.ts`).
 */
export const RENEW_BODY: BodySpec = {
  csr: { type: 'string', required: true, maxLength: CSR_MAX_CHARS },
  certificate: { type: 'string', required: false, maxLength: CSR_MAX_CHARS },
  signedAt: { type: 'string', required: false, maxLength: 40 },
  signature: { type: 'string', required: false, maxLength: 2048 },
};

const PROOF_FIELDS = ['certificate', 'signedAt', 'signature'] as const;

export function renewHandler(authority: CertificateAuthority, clock: Clock) {
  return async (req: Request, res: Response): Promise<void> => {
    const raw: unknown = req.body;
    const proofGiven = typeof raw === 'object' && raw !== null && PROOF_FIELDS.some((f) => Object.hasOwn(raw, f));
    if (!proofGiven) {
      const der = clientCertificate(req);
      const b = validateBody(jsonBody(req), RENEW_BODY);
      res.status(201).json(issuedJson(await authority.renew(der, b.csr as string)));
      return;
    }
    const b = validateBody(jsonBody(req), RENEW_BODY);
    for (const f of PROOF_FIELDS) if (typeof b[f] !== 'string') throw caError('invalid_request', `Field "${f}" is required with a proof of possession.`);
    const der = verifyPossession(
      { certificate: b.certificate as string, signedAt: b.signedAt as string, signature: b.signature as string },
      b.csr as string,
      clock(),
    );
    res.status(201).json(issuedJson(await authority.renew(der, b.csr as string)));
  };
}
