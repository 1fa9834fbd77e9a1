/**
 * Protocol constants of the IMDSv2-compatible credential endpoint, in one place
 * (aws_signing_helper/serve.go, Amazon EC2 User Guide "Use IMDSv2": what the official helper's
 * `serve` and EC2's instance metadata service answer, and what the AWS SDK and botocore IMDS clients
 * send).
 */

/** `PUT` here returns a session token (IMDSv2). The trailing-slash form is accepted too. */
export const TOKEN_PATH = '/latest/api/token';
/** `GET` lists the role name; `GET …/<role>` returns the credential document. */
export const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials';

/** Request header carrying the wanted token lifetime; echoed in the token response. */
export const HEADER_TOKEN_TTL = 'x-aws-ec2-metadata-token-ttl-seconds';
/** Request header carrying the session token on every GET. */
export const HEADER_TOKEN = 'x-aws-ec2-metadata-token';
/** Any request with this header is refused, as EC2 does (requests relayed by a proxy). */
export const HEADER_FORWARDED_FOR = 'x-forwarded-for';

/** Token lifetime bounds and default, seconds (EC2 and the helper: 1..21600, default 21600). */
export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21_600;
export const DEFAULT_TOKEN_TTL_SECONDS = 21_600;
/**
 * At most this many live tokens (the helper's limit). At the cap a new token is refused (429)
 * until one expires; the helper evicted the earliest-expiring one instead, which let any local
 * process log every other client out.
 */
export const MAX_LIVE_TOKENS = 256;
/** Random bytes behind one token and the token length (the helper: 100 chars of base64 of 128 bytes). */
export const TOKEN_RANDOM_BYTES = 128;
export const TOKEN_LENGTH = 100;
/** Longer token headers are refused without hashing them. */
export const MAX_TOKEN_HEADER_LENGTH = 256;
/** Expired tokens are swept this often (the helper: every 5 s). */
export const TOKEN_SWEEP_INTERVAL_MS = 5_000;

/** The official defaults of `serve` (`--port 9911`, loopback only). */
export const DEFAULT_PORT = 9911;
export const DEFAULT_ADDRESS = '127.0.0.1';
export const DEFAULT_HOP_LIMIT = 64;
export const MIN_HOP_LIMIT = 1;
export const MAX_HOP_LIMIT = 255;

/**
 * The helper refreshes when fewer than 10 minutes remain (aws_signing_helper/serve.go: the condition
 * `time.Until(exp − 5m) < 5m`); we do the same, proactively and on demand.
 */
export const SERVE_REFRESH_BEFORE_MS = 10 * 60_000;

/** Fixed fields of the credential document (EC2 IMDS and the helper). */
export const DOCUMENT_CODE = 'Success';
export const DOCUMENT_TYPE = 'AWS-HMAC';

/** Default path of the container-credentials route (`AWS_CONTAINER_CREDENTIALS_FULL_URI`). */
export const DEFAULT_CONTAINER_PATH = '/credentials';

/** Messages of the error responses, as the helper words them (plain text + newline). */
export const MSG_INVALID_TTL = 'invalid token TTL';
export const MSG_FORWARDED_FOR = 'unable to process requests with X-Forwarded-For header';
export const MSG_NO_TOKEN = 'no token provided';
export const MSG_INVALID_TOKEN = 'invalid token provided';
export const MSG_METHOD_NOT_ALLOWED = 'method not allowed';
export const MSG_NOT_FOUND = 'not found';
export const MSG_FORBIDDEN_HOST = 'forbidden: the Host header does not name this endpoint';
export const MSG_TOO_MANY_TOKENS = 'too many live tokens; retry after one expires';

/** Bounds on a request before it is answered (the routes take no body). */
export const REQUEST_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 5_000;
export const MAX_HEADER_BYTES = 16 * 1024;
