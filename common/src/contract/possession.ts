/**
 * The proof of possession of `POST /v1/renew` without a TLS client certificate (docs/ca-api.md):
 * the text the host's current key signs, which the CA verifies. One definition for the signer of
 * the proof (the CLI, for keys in a TPM or token) and its checker (the CA).
 */
import { createHash } from 'node:crypto';

/** Version label of the signed text; a new format gets a new label. */
export const POSSESSION_LABEL = 'rapki-renew-possession-v1';
/** How far the signing time may be from the CA's clock. */
export const MAX_SKEW_MS = 5 * 60_000;

/** The text the current key signs (UTF-8): label, signing time, SHA-256 (hex) of the CSR as sent. */
export function possessionMessage(signedAt: string, csrPem: string): Buffer {
  const csrHash = createHash('sha256').update(csrPem, 'utf8').digest('hex');
  return Buffer.from(`${POSSESSION_LABEL}\n${signedAt}\n${csrHash}`, 'utf8');
}
