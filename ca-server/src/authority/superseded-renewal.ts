/**
 * Renewal cannot fork (docs/security.md C26). A certificate that was already renewed is
 * superseded: renewing it again is refused with `409 certificate_superseded` and audited
 * (`renew.refused_superseded`), so a thief renewing a copied certificate next to the real host is
 * stopped and visible. One exception keeps a host from being stuck: a retry whose CSR carries the
 * public key of the renewal already made (the host sent the request, the answer was lost or the
 * host crashed before writing its files) gets that same certificate again, with the same serial.
 * The CSR signature is verified first, so only the holder of the new key gets this answer.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { caError } from '../errors.js';
import type { CaStore } from '../store/ca-store.js';
import type { CertificateRecord } from '../store/types.js';
import type { X509Port } from './x509-port.js';

/** Audit action of a refused renewal of a superseded certificate. */
export const AUDIT_RENEW_REFUSED_SUPERSEDED = 'renew.refused_superseded';

export interface SupersededRenewalInput {
  /** The certificate presented (already renewed). */
  readonly current: CertificateRecord;
  /** The certificate its renewal produced. */
  readonly successor: CertificateRecord;
  readonly csrPem: string;
  readonly now: Date;
  readonly x509: Pick<X509Port, 'parseCsr'>;
  readonly store: Pick<CaStore, 'appendAudit'>;
}

/**
 * Returns the successor when the request is an idempotent retry (CSR proves possession of the
 * successor's key, and the successor is still valid); otherwise audits the attempt and throws
 * `certificate_superseded`.
 */
export async function answerSupersededRenewal(input: SupersededRenewalInput): Promise<CertificateRecord> {
  const { current, successor, now } = input;
  if (successor.status === 'valid' && successor.notAfter.getTime() > now.getTime() && (await sameKey(input))) return successor;
  await input.store.appendAudit({
    time: now,
    actor: `cert:${current.serial}`,
    action: AUDIT_RENEW_REFUSED_SUPERSEDED,
    details: { serial: current.serial, host: current.host, supersededBy: successor.serial },
  });
  throw caError(
    'certificate_superseded',
    `This certificate was already renewed (serial ${successor.serial}); renew with the newest certificate, or ask an operator.`,
  );
}

/** True when the CSR verifies and carries the successor's public key (SPKI compared after DER normalisation). */
async function sameKey(input: SupersededRenewalInput): Promise<boolean> {
  try {
    const csr = await input.x509.parseCsr(input.csrPem);
    const fromCsr = createPublicKey({ key: Buffer.from(csr.publicKeySpki), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
    const fromCert = new X509Certificate(input.successor.der).publicKey.export({ format: 'der', type: 'spki' });
    return fromCsr.equals(fromCert);
  } catch {
    return false; // an unparsable or forged CSR is simply not a retry: refused as superseded
  }
}
