/**
 * The seams of the signer: what a key source provides, what a signed CreateSession request is,
 * and what the session client returns. Implementations live in `keys/`, `sigv4/`, `session/`.
 */
import type { KeyWarningSink } from './keys/key-file-mode.js';

/** The two X.509 SigV4 algorithms rapki supports (of three; `AWS4-X509-MLDSA` is not supported). */
export type SigningAlgorithm = 'AWS4-X509-RSA-SHA256' | 'AWS4-X509-ECDSA-SHA256';

/** Digests `sign-string --digest` offers (the official helper's three). */
export type SignDigest = 'sha256' | 'sha384' | 'sha512';

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
   * (SHA-256 also for P-384, as Roles Anywhere verifies).
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Signs `data` with the given digest (same schemes as `sign`); used by `sign-string --digest`.
   * Optional: hardware sources may support SHA-256 only.
   */
  signWithDigest?(data: Uint8Array, digest: SignDigest): Promise<Uint8Array>;
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

/** Where the key and certificate come from (the official helper's flag names, camel-cased). */
export interface KeySourceOptions {
  /** Path of a PEM certificate, a PEM with certificate and key, or a PKCS#12 file. */
  readonly certificate: string;
  /** Path of the PEM private key; omitted when `certificate` holds the key too (combo PEM, PKCS#12). */
  readonly privateKey?: string | undefined;
  /** Path of a PEM bundle of intermediates (`X-Amz-X509-Chain`). */
  readonly intermediates?: string | undefined;
  /** Password of an encrypted PKCS#8 key or of a PKCS#12 file. */
  readonly pkcs8Password?: string | undefined;
  /**
   * PKCS#11 module for `pkcs11:` URIs (`--pkcs11-lib`); default: the URI's `module-path`, else
   * p11-kit-proxy as the official helper (its `--pkcs11-lib` default).
   */
  readonly pkcs11Lib?: string | undefined;
  /** Use the user PIN for keys with CKA_ALWAYS_AUTHENTICATE (`--reuse-pin`). */
  readonly reusePin?: boolean | undefined;
  /**
   * Password of a TPM key (`--tpm-key-password`). A TSS2 key file says whether it has one; a
   * `handle:` key needs this or {@link noTpmKeyPassword}. Never prompted for.
   */
  readonly tpmKeyPassword?: string | undefined;
  /** The `handle:` TPM key has no password (`--no-tpm-key-password`). */
  readonly noTpmKeyPassword?: boolean | undefined;
  /**
   * Receives findings that do not stop the load, e.g. a private key file readable by group/others
   * (`key_file_readable_by_others`); the library never writes to stderr itself. None when absent.
   */
  readonly onWarning?: KeyWarningSink | undefined;
}

/** Options of one CreateSession call over HTTPS (`signer/src/session/`). */
export interface SessionOptions {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArn: string;
  /** Signing region; default: the region of the trust-anchor ARN. */
  readonly region?: string | undefined;
  /**
   * Base URL overriding the partition endpoint, e.g. `https://127.0.0.1:8443`; default:
   * AWS_ENDPOINT_URL_ROLESANYWHERE, else AWS_ENDPOINT_URL (the SDKs' variables), else the partition's.
   */
  readonly endpoint?: string | undefined;
  readonly useFipsEndpoint?: boolean | undefined;
  /** 900..43200, default 3600. */
  readonly durationSeconds?: number | undefined;
  readonly roleSessionName?: string | undefined;
  /** `false` = `--no-verify-ssl`. */
  readonly verifyTls?: boolean | undefined;
  /**
   * Honour HTTPS_PROXY/NO_PROXY (and lower-case forms) as Go's ProxyFromEnvironment does; default
   * true (as the official helper, whose `--with-proxy` changes nothing); `false` connects directly.
   */
  readonly withProxy?: boolean | undefined;
  /**
   * Trusted roots (PEM), e.g. the contents of `AWS_CA_BUNDLE`. They REPLACE Node's built-in roots
   * for this call (as a custom bundle does in botocore and in the Go SDK of the official helper),
   * so a private-CA endpoint needs only its own root here, and a public one then no longer verifies.
   */
  readonly caBundle?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  /** Injected clock (tests, emulator clock skew). */
  readonly now?: (() => Date) | undefined;
  /** Receives debug lines (canonical request, string to sign); never key material. */
  readonly debug?: ((line: string) => void) | undefined;
}
