/**
 * Protocol constants of the CreateSession client, in one place (the AWS SDKs' rolesanywhere endpoint rules).
 */

/** Service name in host names and in the credential scope. */
export const SERVICE_NAME = 'rolesanywhere';

/** The path the official helper signs and calls (hard-coded `/sessions` in aws_signing_helper/signer.go). */
export const SESSIONS_PATH = '/sessions';

/** A partition: which regions it holds and the DNS suffix of its endpoints (the AWS SDKs' partitions table). */
export interface Partition {
  readonly id: 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-iso-e' | 'aws-iso-f';
  readonly regionPattern: RegExp;
  readonly dnsSuffix: string;
}

/**
 * Partitions in match order. `aws-us-gov` comes before `aws` because its regions start with `us-`
 * too; the `aws` pattern does not match them anyway (`us-gov-west-1` has two dashes before the
 * number), the order only makes the intent obvious.
 */
export const PARTITIONS: readonly Partition[] = [
  { id: 'aws-us-gov', regionPattern: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
  { id: 'aws-cn', regionPattern: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn' },
  // The isolated partitions, with the host names of the official helper's endpoint table
  // (rolesanywhere[-fips].{region}.{suffix}; no dual-stack).
  { id: 'aws-iso', regionPattern: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov' },
  { id: 'aws-iso-b', regionPattern: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov' },
  { id: 'aws-iso-e', regionPattern: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk' },
  { id: 'aws-iso-f', regionPattern: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov' },
  { id: 'aws', regionPattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
];

/**
 * Endpoint variables of the AWS SDKs ("service-specific endpoints"), used when no endpoint is
 * given: the service one first, then the global one; both ignored when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
 */
export const ENV_ENDPOINT_URL_SERVICE = 'AWS_ENDPOINT_URL_ROLESANYWHERE';
export const ENV_ENDPOINT_URL = 'AWS_ENDPOINT_URL';
export const ENV_IGNORE_ENDPOINT_URLS = 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS';

/** Default number of attempts (the AWS SDK standard retryer's default, which the official helper uses). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Upper bound we accept for `maxAttempts`, so a typo cannot hammer the 10 TPS quota. */
export const MAX_MAX_ATTEMPTS = 10;
/** Default budget of one attempt (connect + TLS + response), in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Base and cap of the exponential backoff between attempts (SDK standard retryer: 100 ms base, 20 s cap). */
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 20_000;
/** Largest response body we read; a CreateSession answer is a few KiB. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Error codes the service uses for throttling (the CreateSession docs name none, so accept the usual ones). */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'TooManyRequests',
  'RequestLimitExceeded',
  'SlowDown',
]);
