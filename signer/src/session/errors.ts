/**
 * The one code table of the CreateSession client: every failure of `createSession()` is a
 * `RapkiError` with one of these codes, and service errors are turned into messages that say what
 * to check (the service's own texts, such as `Untrusted Signing Certificate`, name no cause).
 *
 * Why a table: the CLI prints `rapki: <code>: <message>`, scripts match on the code, and tests walk
 * the table, so codes and wording live in one place: the session area of the registry
 * (common/src/errors/codes/session.ts, listed in docs/errors.md).
 */
import { RapkiError } from '../../../common/src/errors.js';
import { SESSION_CODES } from '../../../common/src/errors/codes/session.js';
import { SHARED_CODES } from '../../../common/src/errors/codes/shared.js';

/** Shared codes (common/src/errors/codes/shared.ts) the session client raises too. */
const SHARED = ['invalid_region', 'certificate_untrusted', 'certificate_revoked'] as const;

export type SessionErrorCode = keyof typeof SESSION_CODES | (typeof SHARED)[number];

/** Codes of the session client, with what each one means (public through `rapki/signer`). */
export const SESSION_ERROR_CODES: Readonly<Record<SessionErrorCode, string>> = Object.freeze(
  Object.fromEntries([...Object.entries(SESSION_CODES), ...SHARED.map((c) => [c, SHARED_CODES[c]] as const)].map(([c, spec]) => [c, spec.message])) as Record<
    SessionErrorCode,
    string
  >,
);

/** Makes a coded session error; `details` must hold nothing secret. */
export function sessionError(code: SessionErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }): RapkiError {
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
 * Sanitizes an error code as the AWS restJson1 deserializers do (Smithy, "AWS restJson1 protocol"): drop
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
        'certificate_untrusted',
        `CreateSession refused${rid}: ${said}. The service could not build a chain from the certificate to trust anchor ` +
          `${context.trustAnchorArn}: pass the intermediate CA certificates with --intermediates, and check that the trust anchor ` +
          'holds the issuing CA (or its root) and that the certificate was issued by it.',
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
