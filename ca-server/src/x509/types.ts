/**
 * Seam between the CA's authority (issuance pipeline, CRL management) and the X.509 encoding layer.
 * Everything under `ca-server/src/x509/` implements these (on the byte-level modules of
 * `common/src/der/` and `common/src/x509/`); the authority does not touch DER directly.
 */

/** CA key types offered by `rapki ca init --key-type`. */
export type CaKeyType = 'ec-p256' | 'ec-p384' | 'rsa-3072' | 'rsa-4096';

/**
 * The CA's signing key behind a narrow interface, so that a file key and (later) a PKCS#11 key
 * are interchangeable. `sign` returns the signature exactly as it goes into a certificate or CRL
 * (DER `ECDSA-Sig-Value` for EC, PKCS#1 v1.5 bytes for RSA).
 */
export interface CaSigner {
  readonly keyType: CaKeyType;
  /** DER SubjectPublicKeyInfo of the CA key. */
  readonly publicKeySpki: Uint8Array;
  /** Signature algorithm used in certificates/CRLs: ecdsa-with-SHA256 (P-256), -SHA384 (P-384), sha256WithRSAEncryption (RSA). */
  readonly signatureAlgorithm: 'ecdsa-with-SHA256' | 'ecdsa-with-SHA384' | 'sha256WithRSAEncryption';
  sign(tbs: Uint8Array): Promise<Uint8Array>;
}

/** A subject alternative name as bound to an enrollment token and written into a leaf. */
export interface SubjectAltName {
  readonly type: 'dns' | 'uri' | 'ip' | 'email';
  readonly value: string;
}

/** What the CA learns from a CSR after its proof-of-possession signature verified. */
export interface ParsedCsr {
  /** Subject DN in RFC 4514 form, e.g. `CN=web-1,O=Example`. */
  readonly subject: string;
  /** Common name, if any. */
  readonly commonName: string | undefined;
  readonly sans: readonly SubjectAltName[];
  /** DER SubjectPublicKeyInfo. */
  readonly publicKeySpki: Uint8Array;
  readonly keyAlgorithm: 'rsa' | 'ec';
  /** RSA modulus bits, or EC field bits (256/384). */
  readonly keyBits: number;
  /** For EC: 'P-256' | 'P-384' (others are refused before this point). */
  readonly curve: string | undefined;
}

/** Inputs of one leaf certificate. */
export interface LeafRequest {
  readonly issuerCertificate: Uint8Array;
  readonly issuerSigner: CaSigner;
  /** RFC 4514 subject DN. Must not be empty (Roles Anywhere rule). */
  readonly subject: string;
  readonly sans: readonly SubjectAltName[];
  readonly publicKeySpki: Uint8Array;
  /** Positive serial, >= 64 random bits, <= 20 octets, DER INTEGER content bytes. */
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Extended key usages; default clientAuth. The CA server's own TLS certificate adds serverAuth. */
  readonly extKeyUsage?: readonly ('clientAuth' | 'serverAuth')[];
}

/** One revoked certificate in a CRL. */
export interface CrlEntry {
  /** Serial as lower-case hex without separators or leading zeros stripped of sign byte. */
  readonly serialHex: string;
  readonly revokedAt: Date;
  /** RFC 5280 §5.3.1 CRLReason name, e.g. 'keyCompromise'; undefined = unspecified (no extension). */
  readonly reason?: string | undefined;
  /** The revoked certificate's notAfter, if known: lets `CrlBuilder.pruneExpired` drop it once expired (RFC 5280 §3.3). */
  readonly notAfter?: Date | undefined;
}
