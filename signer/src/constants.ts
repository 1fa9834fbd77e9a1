/**
 * Every protocol string and limit of the X.509 SigV4 variant used by IAM Roles Anywhere
 * CreateSession, in one place (Roles Anywhere User Guide, "Signing process"; the official helper's
 * aws_signing_helper/signer.go). Nothing here is configurable: these are the bytes the service (and
 * the official `aws_signing_helper`) expects.
 */

/** Signing name of the credential scope (`ROLESANYWHERE_SIGNING_NAME` of aws_signing_helper/signer.go). */
export const SERVICE_NAME = 'rolesanywhere';

/** Terminator of the credential scope (AWS SigV4, "Task 2: create a string to sign"). */
export const SCOPE_TERMINATOR = 'aws4_request';

/** Algorithm names of the Authorization header and string to sign (User Guide, "Signing process"). */
export const ALGORITHM_RSA = 'AWS4-X509-RSA-SHA256';
export const ALGORITHM_ECDSA = 'AWS4-X509-ECDSA-SHA256';

/** The digest every X.509 SigV4 signature uses, also for P-384 keys (`…-ECDSA-SHA256` for any curve). */
export const SIGNING_DIGEST = 'sha256';

/** CreateSession is always `POST /sessions`; the path is a literal, never taken from the URL (as in the helper). */
export const CREATE_SESSION_METHOD = 'POST';
export const CREATE_SESSION_PATH = '/sessions';

/** Query parameter names carrying the three ARNs (the helper's serializer, rolesanywhere/serializers.go). */
export const QUERY_PROFILE_ARN = 'profileArn';
export const QUERY_ROLE_ARN = 'roleArn';
export const QUERY_TRUST_ANCHOR_ARN = 'trustAnchorArn';

/** Header names as the official helper sends them. */
export const HEADER_AUTHORIZATION = 'Authorization';
export const HEADER_CONTENT_TYPE = 'Content-Type';
export const HEADER_HOST = 'Host';
export const HEADER_AMZ_DATE = 'X-Amz-Date';
export const HEADER_X509 = 'X-Amz-X509';
export const HEADER_X509_CHAIN = 'X-Amz-X509-Chain';

/** Body media type (as the official helper sends it). */
export const CONTENT_TYPE_JSON = 'application/json';

/** Lower-case hex SHA-256 of the empty string (SigV4 payload hash of an empty body). */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * `X-Amz-Date` is `YYYYMMDD'T'HHMMSS'Z'` in UTC with second precision; the scope date is its first
 * 8 characters (`YYYYMMDD`). See `sigv4/amz-date.ts`.
 */
export const SCOPE_DATE_LENGTH = 8;

/** `durationSeconds` bounds of CreateSession (User Guide, "CreateSession API") and the helper's default. */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;
export const DEFAULT_DURATION_SECONDS = 3600;

/** Maximum number of certificates in `X-Amz-X509-Chain` (User Guide, "Authentication": at most 5). */
export const MAX_CHAIN_CERTIFICATES = 5;

/** Accepted key sizes and curves (RSA below 2048 bits is too weak). RSA up to 8192 is accepted, see keys/key-policy.ts. */
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;
export const ALLOWED_EC_CURVES = ['prime256v1', 'secp384r1'] as const;

/** `sign-string` test payload prefix and version, as the official helper's `sign-string` signs them. */
export const SIGN_STRING_PREFIX = 'AWS Roles Anywhere Credential Helper Signing Test';
export const SIGN_STRING_VERSION = '1';
export const SIGN_STRING_PUBKEY_LABEL = 'IAM RA';

/** Input size limits: no key, certificate or bundle file of ours is anywhere near this. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Environment variable that may carry the PKCS#8/PKCS#12 password (a flag would show in `ps`). */
export const ENV_PKCS8_PASSWORD = 'RAPKI_PKCS8_PASSWORD';
