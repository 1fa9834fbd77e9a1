/** `GET /v1/ca`, `GET /v1/crl`, `GET /v1/crl.pem` (docs/ca-api.md). */
import type { Request, Response } from 'express';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import type { CaBundle } from '../../../common/src/contract/types.js';
import type { CrlManager, PublishedCrl } from '../authority/crl-manager.js';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import { caError } from '../errors.js';

/** CRL responses may be cached this long at most, so a revocation shows within minutes. */
export const CRL_MAX_AGE_SECONDS = 300;

export function caHandler(issuer: IssuerContext) {
  const root = derToPem(issuer.root, 'CERTIFICATE');
  const intermediates = issuer.intermediates.map((d) => derToPem(d, 'CERTIFICATE'));
  const bundle: CaBundle = {
    root,
    intermediates,
    issuer: derToPem(issuer.certificate, 'CERTIFICATE'),
    bundle: root + intermediates.join(''),
    fingerprint: sha256Fingerprint(issuer.root),
  };
  const body = JSON.stringify(bundle);
  return (_req: Request, res: Response): void => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/json').send(body);
  };
}

function crlHeaders(res: Response, crl: PublishedCrl, clock: Clock): void {
  const left = Math.floor((crl.nextUpdate.getTime() - clock().getTime()) / 1000);
  res.setHeader('ETag', `"${crl.number}"`);
  res.setHeader('Last-Modified', crl.thisUpdate.toUTCString());
  res.setHeader('Expires', crl.nextUpdate.toUTCString());
  res.setHeader('Cache-Control', `public, max-age=${Math.max(0, Math.min(CRL_MAX_AGE_SECONDS, left))}`);
}

export function crlHandler(crlManager: CrlManager, clock: Clock, format: 'der' | 'pem') {
  return async (req: Request, res: Response): Promise<void> => {
    const crl = await crlManager.current();
    if (!crl) throw caError('not_ready', 'No CRL has been published yet.');
    crlHeaders(res, crl, clock);
    if (req.headers['if-none-match'] === `"${crl.number}"`) {
      res.status(304).end();
      return;
    }
    if (format === 'der') res.type('application/pkix-crl').send(Buffer.from(crl.der));
    else res.type('application/x-pem-file').send(crl.pem);
  };
}
