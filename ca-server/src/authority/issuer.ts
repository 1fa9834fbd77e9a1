/** The CA certificates the authority works with, loaded once at start. */
import type { CaSigner } from '../x509/types.js';

export interface IssuerContext {
  /** DER of the certificate that signs leaves and CRLs. */
  readonly certificate: Uint8Array;
  readonly signer: CaSigner;
  /** SHA-256 hex of `certificate`: issuer id in the store. */
  readonly id: string;
  readonly notAfter: Date;
  /** Root DER (same as `certificate` when the root issues leaves). */
  readonly root: Uint8Array;
  /** Intermediates between leaf and root, issuer first (empty when the root issues). */
  readonly intermediates: readonly Uint8Array[];
  /**
   * Roots a host should trust, issuing CA's first (both roots during a CA rotation,
   * docs/rotation.md); returned as `ca` by enroll and renew. Absent = `[root]`.
   */
  readonly trustedRoots?: readonly Uint8Array[] | undefined;
}
