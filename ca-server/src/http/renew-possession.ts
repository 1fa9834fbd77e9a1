/**
 * Renewal without a TLS client certificate (docs/ca-api.md `POST /v1/renew`): the host proves that
 * it holds the current certificate's key by a signature over the renewal request itself.
 *
 * Why: a key inside a TPM or token cannot sign a TLS handshake made by Node (its TLS signs only with
 * keys in memory), yet such a host must renew like any other. The proof binds what TLS client
 * authentication binds: the current key (the signature verifies with the certificate's public key)
 * and this request (the signed text holds the SHA-256 of the CSR, which carries the new key), and it
 * is fresh (its time must be within {@link MAX_SKEW_MS} of the CA's clock). A copy of the request
 * obtains nothing new: the same CSR gets the same certificate again (docs/ca-api.md, C26), and the
 * new key is not in it. The certificate is then checked exactly as a TLS client certificate: known
 * to the store with this exact DER, not revoked, not expired, not superseded.
 */
import { verify, X509Certificate } from 'node:crypto';
import { MAX_SKEW_MS, possessionMessage } from '../../../common/src/contract/possession.js';
import { caError } from '../errors.js';

/** The proof fields of a renewal body. */
export interface PossessionProof {
  /** PEM of the current certificate. */
  readonly certificate: string;
  /** RFC 3339 UTC time with seconds, e.g. `2026-01-01T00:00:00Z`. */
  readonly signedAt: string;
  /** Base64 signature (SHA-256; ECDSA DER or RSASSA-PKCS1-v1_5) of {@link possessionMessage}. */
  readonly signature: string;
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Checks the proof; resolves to the DER of the certificate it proves possession of. */
export function verifyPossession(p: PossessionProof, csrPem: string, now: Date): Uint8Array {
  const invalid = (why: string): Error => caError('possession_invalid', `The proof of possession is not valid: ${why}.`);
  if (!RFC3339_UTC.test(p.signedAt)) throw invalid('signedAt must be an RFC 3339 UTC time');
  const t = Date.parse(p.signedAt);
  if (!Number.isFinite(t) || Math.abs(t - now.getTime()) > MAX_SKEW_MS) throw invalid('signedAt is more than 5 minutes from the CA clock');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(p.certificate);
  } catch {
    throw invalid('certificate is not a PEM certificate');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(p.signature)) throw invalid('signature is not base64');
  let ok: boolean;
  try {
    ok = verify('sha256', possessionMessage(p.signedAt, csrPem), { key: cert.publicKey, dsaEncoding: 'der' }, Buffer.from(p.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('the signature does not verify with the certificate');
  return new Uint8Array(cert.raw);
}
