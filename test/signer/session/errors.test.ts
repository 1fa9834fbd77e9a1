import { describe, expect, it } from 'vitest';
import { THROTTLING_CODES } from '../../../signer/src/session/constants.js';
import { SESSION_ERROR_CODES, mapServiceError, sanitizeErrorCode } from '../../../signer/src/session/errors.js';

const ctx = {
  trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta',
  profileArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/pr',
  roleArn: 'arn:aws:iam::123456789012:role/r',
};

describe('sanitizeErrorCode', () => {
  it('drops the namespace and the :suffix as the AWS restJson1 deserializer does', () => {
    expect(sanitizeErrorCode('AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.x/')).toBe('AccessDeniedException');
    expect(sanitizeErrorCode('com.amazonaws.rolesanywhere#ValidationException')).toBe('ValidationException');
    expect(sanitizeErrorCode('aws.protocoltests#ThrottlingException:extra')).toBe('ThrottlingException');
    expect(sanitizeErrorCode('')).toBe('');
  });
});

describe('mapServiceError', () => {
  const cases: Array<[number, string, string, keyof typeof SESSION_ERROR_CODES, RegExp]> = [
    [403, 'AccessDeniedException', 'Invalid signature', 'invalid_signature', /private key belongs to the certificate.*clock/],
    [403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'certificate_untrusted', /--intermediates.*trust anchor/],
    [403, 'AccessDeniedException', 'Certificate has been revoked', 'certificate_revoked', /CRL/],
    [403, 'AccessDeniedException', 'Not authorized to set roleSessionName.', 'role_session_name_not_allowed', /acceptRoleSessionName/],
    [
      403,
      'AccessDeniedException',
      'Unable to assume role for arn:aws:iam::1:role/r. Some attributes failed to be mapped into session tags. Issuer: [ ]',
      'session_tags_failed',
      /attribute mapping/,
    ],
    [403, 'AccessDeniedException', 'Unable to assume role', 'access_denied', /trust policy/],
    [403, '', '', 'access_denied', /HTTP 403: \(no message\)/],
    [400, 'ValidationException', "1 validation error detected: Value '5' at 'durationSeconds'", 'validation_failed', /--session-duration/],
    [404, 'ResourceNotFoundException', 'Trust anchor not found', 'resource_not_found', /exist/],
    [429, '', 'Rate exceeded', 'throttled', /10 requests per second/],
    [400, 'ThrottlingException', 'Rate exceeded', 'throttled', /rapki serve/],
    [503, 'ServiceUnavailableException', 'try later', 'service_error', /HTTP 503/],
    [418, 'WeirdException', 'odd', 'service_error', /WeirdException: odd/],
  ];
  it.each(cases)('%d %s %j → %s', (status, code, message, expected, hint) => {
    const e = mapServiceError({ status, code, message, requestId: 'rid-1' }, THROTTLING_CODES, ctx);
    expect(e.code).toBe(expected);
    expect(e.message).toMatch(hint);
    if (message) expect(e.message).toContain(message);
    expect(e.message).toContain('rid-1');
    expect(SESSION_ERROR_CODES).toHaveProperty(expected);
  });

  it('names the HTTP status once when the service sent no error code (was "HTTP 500: HTTP 500: (no message)")', () => {
    const bare = mapServiceError({ status: 500, code: '', message: '' }, THROTTLING_CODES, ctx);
    expect(bare.code).toBe('service_error');
    expect(bare.message).toBe('CreateSession failed with HTTP 500: the response carried no error code or message.');
    const said = mapServiceError({ status: 502, code: '', message: 'Bad Gateway', requestId: 'r-2' }, THROTTLING_CODES, ctx);
    expect(said.message).toBe('CreateSession failed with HTTP 502 (request id r-2): Bad Gateway.');
    expect(said.message.match(/HTTP 502/g)).toHaveLength(1);
  });

  it('keeps service text to one bounded line', () => {
    const e = mapServiceError({ status: 500, code: 'X', message: `a\nb\u0007${'z'.repeat(2000)}` }, THROTTLING_CODES, ctx);
    // eslint-disable-next-line no-control-regex -- BEL, a control character the service text carried, must be gone
    expect(e.message).not.toMatch(/[\n\u0007]/);
    expect(e.message.length).toBeLessThan(800);
  });
});
