/**
 * Protocol constants of the CA's X.509 layer, in one place: object identifiers (RFC 5280,
 * RFC 5758, RFC 8017, RFC 2985), CRL reason codes, and the limits of IAM Roles Anywhere.
 */
import { REVOCATION_REASONS } from '../../../common/src/contract/certificates.js';

export const OID = {
  // Signature algorithms (RFC 5758 §3.2, RFC 8017 App. C)
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  // Key algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  // Named curves (RFC 5480 §2.1.1.1)
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  // PKCS#9 (RFC 2985 §5.4.2)
  extensionRequest: '1.2.840.113549.1.9.14',
  // Certificate and CRL extensions (RFC 5280 §4.2.1, §5.2, §5.3)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // Extended key usages (RFC 5280 §4.2.1.12)
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Signature algorithm names of the seam (`CaSigner.signatureAlgorithm`) → OID and node hash. */
export const SIGNATURE_ALGORITHMS = {
  'ecdsa-with-SHA256': { oid: OID.ecdsaWithSha256, hash: 'sha256', nullParams: false },
  'ecdsa-with-SHA384': { oid: OID.ecdsaWithSha384, hash: 'sha384', nullParams: false },
  sha256WithRSAEncryption: { oid: OID.sha256WithRsa, hash: 'sha256', nullParams: true },
} as const;

/**
 * Signature algorithms accepted on CSRs and on certificates we lint: SHA-256 or stronger only
 * (Roles Anywhere rejects MD5 and SHA-1). RSA-PSS is not accepted.
 */
export const ACCEPTED_SIGNATURE_OIDS: Readonly<Record<string, { hash: string; key: 'rsa' | 'ec' }>> = {
  [OID.ecdsaWithSha256]: { hash: 'sha256', key: 'ec' },
  [OID.ecdsaWithSha384]: { hash: 'sha384', key: 'ec' },
  [OID.ecdsaWithSha512]: { hash: 'sha512', key: 'ec' },
  [OID.sha256WithRsa]: { hash: 'sha256', key: 'rsa' },
  [OID.sha384WithRsa]: { hash: 'sha384', key: 'rsa' },
  [OID.sha512WithRsa]: { hash: 'sha512', key: 'rsa' },
};

/** CRLReason code points (RFC 5280 §5.3.1); 7 is not used. */
export const CRL_REASONS: Readonly<Record<string, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

/**
 * Reasons an operator may give when revoking (RFC 5280 §5.3.1): every CRLReason except
 * `removeFromCRL`, which only has a meaning in delta CRLs. The contract's list
 * (common/src/contract/certificates.ts), which the CLI offers; each is a reason of the CRL encoder.
 */
export const REVOCATION_REASON_NAMES = REVOCATION_REASONS satisfies readonly (keyof typeof CRL_REASONS & string)[];

/** Key policy for CSRs (RSA >= 2048, EC P-256/P-384: the keys rapki's signer signs with). */
export const KEY_POLICY = {
  rsaMinBits: 2048,
  rsaMaxBits: 8192,
  /** The only RSA public exponent accepted (F4). */
  rsaPublicExponent: 65537n,
  /** node's `namedCurve` names → NIST names. */
  curves: { prime256v1: 'P-256', secp384r1: 'P-384' } as Readonly<Record<string, string>>,
} as const;

/** Largest CSR accepted (PEM or DER), before any parsing. */
export const MAX_CSR_BYTES = 64 * 1024;
