/**
 * The one code table of the CreateSession client: every failure of `createSession()` is a
 * `RapkiError` with one of these codes, and service errors are turned into messages that say what
 * to check (signer-spec.md §1.7, roles-anywhere-api.md §3.4).
 *
 * Why a table: the CLI prints `rapki: <code>: <message>`, scripts match on the code, and tests walk
 * the table, so codes and wording must live in one place.
 */
import { RapkiError } from '../../../common/src/errors.js';

/** Codes of the session client, with what each one means (kept in sync with docs and tests). */
export const SESSION_ERROR_CODES = {
  /** The region is not in a partition rapki knows and no endpoint was given. */
  invalid_region: 'region not in a known partition',
  /** `endpoint` is not an https URL, or FIPS was combined with a custom endpoint. */
  invalid_endpoint: 'endpoint URL unusable',
  /** Option out of range (attempts, timeout). */
  invalid_session_option: 'session option out of range',
  /** 403 AccessDeniedException "Invalid signature". */
  invalid_signature: 'the service rejected the request signature',
  /** 403 AccessDeniedException "Untrusted Signing Certificate". */
  untrusted_certificate: 'no chain from the certificate to the trust anchor',
  /** 403 AccessDeniedException mentioning revocation. */
  certificate_revoked: 'certificate revoked (imported CRL)',
  /** 403 AccessDeniedException "Not authorized to set roleSessionName." */
  role_session_name_not_allowed: 'profile does not accept roleSessionName',
  /** 403 AccessDeniedException "... failed to be mapped into session tags ...". */
  session_tags_failed: 'certificate attributes could not become session tags',
  /** Any other 403 AccessDeniedException. */
  access_denied: 'access denied by the service',
  /** 400 ValidationException. */
  validation_failed: 'the service rejected a parameter',
  /** 404 ResourceNotFoundException. */
  resource_not_found: 'trust anchor, profile or role not found',
  /** 429 or a throttling error code, after every attempt. */
  throttled: 'request rate limit reached',
  /** 5xx or an unknown service error code. */
  service_error: 'the service returned an error',
  /** 2xx with an empty credentialSet. */
  no_credentials: 'CreateSession returned no credentials',
  /** 2xx body that is not the CreateSession shape, or too large. */
  bad_response: 'unreadable CreateSession response',
  /** TLS verification of the endpoint failed. */
  tls_error: 'the endpoint certificate could not be verified',
  /** Connection refused/reset, DNS failure, proxy failure, after every attempt. */
  network_error: 'network error talking to the endpoint',
  /** No answer within the timeout, after every attempt. */
  timeout: 'the endpoint did not answer in time',
} as const;

export type SessionErrorCode = keyof typeof SESSION_ERROR_CODES;

/** Makes a coded session error; `details` must hold nothing secret. */
export function sessionError(
  code: SessionErrorCode,
  message: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
): RapkiError {
  return new RapkiError(code, message, options);
}

/** What the service said, before it is turned into a RapkiError. */
export interface ServiceErrorInfo {
  readonly status: number;
  /** Sanitized code (`AccessDeniedException`), or '' when the response carried none. */
  readonly code: string;
  readonly message: string;
  readonly requestId?: string | undefined;
}

/**
 * Sanitizes an error code as the AWS restJson1 deserializers do (signer-spec.md §1.7): drop
 * anything after `:` (`AccessDeniedException:http://…`), then the namespace up to `#`.
 */
export function sanitizeErrorCode(raw: string): string {
  let code = raw;
  const colon = code.indexOf(':');
  if (colon >= 0) code = code.slice(0, colon);
  const hash = code.lastIndexOf('#');
  if (hash >= 0) code = code.slice(hash + 1);
  return code.trim();
}

/** True when the status or code means "slow down" (retryable). */
export function isThrottling(info: Pick<ServiceErrorInfo, 'status' | 'code'>, throttlingCodes: ReadonlySet<string>): boolean {
  return info.status === 429 || throttlingCodes.has(info.code);
}

/** Keeps a service message printable: one line, bounded, no control characters. */
function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > 500 ? `${t.slice(0, 500)}…` : t;
}

/**
 * Turns a service error into an actionable coded error: the service's own words first, then what
 * to check. `context` names the ARNs so that the hint can point at the right resource.
 */
export function mapServiceError(
  info: ServiceErrorInfo,
  throttlingCodes: ReadonlySet<string>,
  context: { trustAnchorArn: string; profileArn: string; roleArn: string; roleSessionName?: string | undefined },
): RapkiError {
  const said = `${info.code || `HTTP ${info.status}`}: ${safeText(info.message) || '(no message)'}`;
  const rid = info.requestId ? ` (request id ${safeText(info.requestId)})` : '';
  const details: Record<string, unknown> = { status: info.status, serviceCode: info.code };
  if (info.requestId) details.requestId = info.requestId;
  const msg = info.message.toLowerCase();

  if (isThrottling(info, throttlingCodes)) {
    return sessionError(
      'throttled',
      `CreateSession was throttled${rid}: ${said}. Roles Anywhere allows about 10 requests per second per certificate and IP; ` +
        'cache credentials (use `rapki serve`, `rapki update` or fromRolesAnywhere()) instead of calling credential-process for every command.',
      { details },
    );
  }
  if (info.code === 'AccessDeniedException' || (info.status === 403 && info.code === '')) {
    if (msg.includes('invalid signature')) {
      return sessionError(
        'invalid_signature',
        `CreateSession refused${rid}: ${said}. Check that the private key belongs to the certificate, that the system clock is right ` +
          '(X-Amz-Date must be within 5 minutes of AWS time), that the region matches the trust anchor, and that nothing between you ' +
          'and the service (a proxy) rewrites the request.',
        { details },
      );
    }
    if (msg.includes('untrusted signing certificate')) {
      return sessionError(
        'untrusted_certificate',
        `CreateSession refused${rid}: ${said}. The service could not build a chain from the certificate to trust anchor ` +
          `${context.trustAnchorArn}: pass the intermediate CA certificates with --intermediates, and check that the trust anchor ` +
          "holds the issuing CA (or its root) and that the certificate was issued by it.",
        { details },
      );
    }
    if (msg.includes('revoked')) {
      return sessionError(
        'certificate_revoked',
        `CreateSession refused${rid}: ${said}. The certificate is listed in a CRL imported for the trust anchor: enroll again to get a new certificate.`,
        { details },
      );
    }
    if (msg.includes('rolesessionname')) {
      return sessionError(
        'role_session_name_not_allowed',
        `CreateSession refused${rid}: ${said}. Profile ${context.profileArn} does not accept a role session name: ` +
          'set acceptRoleSessionName on the profile, or drop --role-session-name.',
        { details },
      );
    }
    if (msg.includes('session tags')) {
      return sessionError(
        'session_tags_failed',
        `CreateSession refused${rid}: ${said}. A certificate attribute could not become a session tag (tag values are limited to ` +
          '256 characters of [\\p{L}\\p{Z}\\p{N}_.:/=+-@]); change the profile attribute mapping or the certificate subject/SANs.',
        { details },
      );
    }
    return sessionError(
      'access_denied',
      `CreateSession refused${rid}: ${said}. Check that role ${context.roleArn} is listed in profile ${context.profileArn}, that the ` +
        'trust anchor and profile are enabled, and that the role trust policy allows rolesanywhere.amazonaws.com ' +
        '(sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity) with conditions matching this certificate.',
      { details },
    );
  }
  if (info.code === 'ValidationException' || (info.status === 400 && info.code === '')) {
    return sessionError(
      'validation_failed',
      `CreateSession refused${rid}: ${said}. Check --session-duration (900..43200 and at most the role's MaxSessionDuration and the ` +
        'profile duration) and the ARNs.',
      { details },
    );
  }
  if (info.code === 'ResourceNotFoundException' || (info.status === 404 && info.code === '')) {
    return sessionError(
      'resource_not_found',
      `CreateSession failed${rid}: ${said}. Check that trust anchor ${context.trustAnchorArn} and profile ${context.profileArn} exist ` +
        'in this account and region (and that --region / --endpoint point at that region).',
      { details },
    );
  }
  // The status is already named here: without a service error code, say so instead of "HTTP n" twice.
  const what = info.code ? said : safeText(info.message) || 'the response carried no error code or message';
  return sessionError('service_error', `CreateSession failed with HTTP ${info.status}${rid}: ${what}.`, { details });
}
