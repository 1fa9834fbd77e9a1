/**
 * The seams of the signer: what a key source provides, what a signed CreateSession request is,
 * and what the session client returns. Implementations live in `keys/`, `sigv4/`, `session/`.
 */

/** The two X.509 SigV4 algorithms rapki supports (signer-spec.md §1.4). */
export type SigningAlgorithm = 'AWS4-X509-RSA-SHA256' | 'AWS4-X509-ECDSA-SHA256';

/**
 * A private key plus the certificate it belongs to. Key material never leaves the implementation:
 * callers only get signatures. File, PKCS#12 and (later) PKCS#11 sources all implement this.
 */
export interface KeySigner {
  /** DER of the end-entity certificate (sent base64 in `X-Amz-X509`). */
  readonly certificate: Uint8Array;
  /** DER of the intermediates, leaf excluded, in the order supplied (`X-Amz-X509-Chain`). */
  readonly chain: readonly Uint8Array[];
  /** Algorithm name for the Authorization header, derived from the key type. */
  readonly algorithm: SigningAlgorithm;
  /**
   * Signs `data` with SHA-256: RSASSA-PKCS1-v1_5 for RSA, ECDSA with a DER signature for EC
   * (SHA-256 also for P-384, signer-spec.md §1.4).
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Releases handles (PKCS#11 sessions); no-op for in-memory keys. */
  close?(): Promise<void>;
}

/** Inputs of one CreateSession request, before signing. */
export interface CreateSessionInput {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArn: string;
  /** Region of the credential scope. */
  readonly region: string;
  /** `durationSeconds` of the body; the official helper always sends it (default 3600). */
  readonly durationSeconds: number;
  readonly roleSessionName?: string | undefined;
  /** Host header value, with the port when it is not the scheme's default. */
  readonly host: string;
}

/** A CreateSession request ready to send, plus the intermediates useful for `--debug`. */
export interface SignedCreateSessionRequest {
  readonly method: 'POST';
  /** Path and query as sent, e.g. `/sessions?profileArn=…&roleArn=…&trustAnchorArn=…`. */
  readonly pathAndQuery: string;
  /** Headers to send, names as the helper sends them (Content-Type, Host, X-Amz-Date, …). */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body bytes that were hashed. */
  readonly body: string;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
}

/** Temporary credentials, as CreateSession returned them. */
export interface RolesAnywhereCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO-8601 UTC string exactly as the service sent it (passed through verbatim). */
  readonly expiration: string;
  readonly roleArn?: string | undefined;
  readonly assumedRoleArn?: string | undefined;
  readonly sourceIdentity?: string | undefined;
  readonly subjectArn?: string | undefined;
}
