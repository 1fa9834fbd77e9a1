/**
 * Codes of the CreateSession client: every failure of `createSession()`. Service errors are turned
 * into messages that say what to check (signer/src/session/errors.ts `mapServiceError`).
 */
import type { ErrorTable } from '../spec.js';

export const SESSION_CODES = {
  /** `endpoint` is not an https URL, or FIPS was combined with a custom endpoint. */
  invalid_endpoint: { message: 'endpoint URL unusable' },
  /** Option out of range (attempts, timeout). */
  invalid_session_option: { message: 'session option out of range' },
  /** 403 AccessDeniedException "Invalid signature". */
  invalid_signature: { message: 'the service rejected the request signature' },
  /** 403 AccessDeniedException "Not authorized to set roleSessionName." */
  role_session_name_not_allowed: { message: 'profile does not accept roleSessionName' },
  /** 403 AccessDeniedException "... failed to be mapped into session tags ...". */
  session_tags_failed: { message: 'certificate attributes could not become session tags' },
  /** Any other 403 AccessDeniedException. */
  access_denied: { message: 'access denied by the service' },
  /** 400 ValidationException. */
  validation_failed: { message: 'the service rejected a parameter' },
  /** 404 ResourceNotFoundException. */
  resource_not_found: { message: 'trust anchor, profile or role not found' },
  /** 429 or a throttling error code, after every attempt. */
  throttled: { message: 'request rate limit reached' },
  /** 5xx or an unknown service error code. */
  service_error: { message: 'the service returned an error' },
  /** 2xx with an empty credentialSet. */
  no_credentials: { message: 'CreateSession returned no credentials' },
  /** 2xx body that is not the CreateSession shape, or too large. */
  bad_response: { message: 'unreadable CreateSession response' },
  /** TLS verification of the endpoint failed. */
  tls_error: { message: 'the endpoint certificate could not be verified' },
  /** Connection refused/reset, DNS failure, proxy failure, after every attempt. */
  network_error: { message: 'network error talking to the endpoint' },
  /** No answer within the timeout, after every attempt. */
  timeout: { message: 'the endpoint did not answer in time' },
} as const satisfies ErrorTable;
