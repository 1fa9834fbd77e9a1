/**
 * Reading CreateSession answers (Roles Anywhere User Guide, "CreateSession API"): credentials from
 * `credentialSet[0]` of a 2xx body, or the service error (code and message) of anything else.
 */
import type { RolesAnywhereCredentials } from '../types.js';
import { sanitizeErrorCode, sessionError, type ServiceErrorInfo } from './errors.js';
import type { WireResponse } from './http-client.js';

function header(res: WireResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function str(o: unknown, key: string): string | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Extracts the credentials of a 2xx CreateSession response; throws a coded error when unusable. */
export function parseCredentials(res: WireResponse): RolesAnywhereCredentials {
  const doc = parseJson(res.body);
  if (typeof doc !== 'object' || doc === null) {
    throw sessionError('bad_response', `CreateSession answered HTTP ${res.status} with a body that is not JSON`);
  }
  const set = (doc as { credentialSet?: unknown }).credentialSet;
  if (!Array.isArray(set)) {
    throw sessionError('bad_response', `CreateSession answered HTTP ${res.status} without a credentialSet`);
  }
  if (set.length === 0) {
    throw sessionError('no_credentials', 'unable to obtain temporary security credentials from CreateSession: the service returned an empty credentialSet');
  }
  const first = set[0] as Record<string, unknown>;
  const c = first?.credentials;
  const accessKeyId = str(c, 'accessKeyId');
  const secretAccessKey = str(c, 'secretAccessKey');
  const sessionToken = str(c, 'sessionToken');
  const expiration = str(c, 'expiration');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration) {
    throw sessionError('bad_response', 'CreateSession answer lacks accessKeyId, secretAccessKey, sessionToken or expiration in credentialSet[0].credentials');
  }
  if (Number.isNaN(Date.parse(expiration))) {
    throw sessionError('bad_response', 'CreateSession answer has an expiration that is not an ISO-8601 date');
  }
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiration,
    roleArn: str(first, 'roleArn'),
    assumedRoleArn: str(first?.assumedRoleUser, 'arn'),
    sourceIdentity: str(first, 'sourceIdentity'),
    subjectArn: str(doc, 'subjectArn'),
  };
}

/**
 * Reads the service error of a non-2xx response: code from `x-amzn-errortype` (sanitized), else
 * JSON `code` / `__type`; message from `message` / `Message` (Smithy, "AWS restJson1 protocol").
 */
export function parseServiceError(res: WireResponse): ServiceErrorInfo {
  const doc = parseJson(res.body);
  const rawCode = header(res, 'x-amzn-errortype') ?? str(doc, 'code') ?? str(doc, '__type') ?? '';
  const message = str(doc, 'message') ?? str(doc, 'Message') ?? '';
  return {
    status: res.status,
    code: sanitizeErrorCode(rawCode),
    message,
    requestId: header(res, 'x-amzn-requestid') ?? header(res, 'x-amz-request-id'),
  };
}
