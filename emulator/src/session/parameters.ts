/**
 * CreateSession parameters from the query string and/or the JSON body (both official clients'
 * styles: the Go helper sends the ARNs in the query, awslabs' Python client in the body), validated
 * with the service's constraint messages.
 */
import { LIMITS, PATTERNS } from '../constants.js';
import { constraintViolation, validation } from '../service-error.js';
import type { WireRequest } from '../http/wire-request.js';
import { parseQueryPairs } from '../http/wire-request.js';

export interface CreateSessionParams {
  trustAnchorArn: string;
  profileArn: string;
  roleArn: string;
  durationSeconds: number | undefined;
  roleSessionName: string | undefined;
  instanceProperties: Record<string, string> | undefined;
}

const JSON_TYPES = new Set(['application/json', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1']);

export function parseCreateSessionParams(wire: WireRequest): CreateSessionParams {
  let body: Record<string, unknown> = {};
  if (wire.body.length > 0) {
    const type = (wire.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!JSON_TYPES.has(type)) throw validation(`Unsupported Content-Type: ${type.slice(0, 100) || '(none)'}`, 'unsupported_content_type');
    let parsed: unknown;
    try {
      parsed = JSON.parse(wire.body.toString('utf8'));
    } catch {
      throw validation('Request body is not valid JSON', 'invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw validation('Request body must be a JSON object', 'invalid_json');
    }
    body = parsed as Record<string, unknown>;
  }
  const query = new Map<string, string>();
  for (const [k, v] of parseQueryPairs(wire.rawQuery)) {
    if (query.has(k)) throw validation(`Parameter ${k} given more than once`, 'conflicting_parameters');
    query.set(k, v);
  }
  const pick = (name: string): unknown => {
    const q = query.get(name);
    const b = body[name];
    // An object never equals a query string; String() of one can throw ({"toString": 1}, or
    // arrays nested 100,000 deep overflow the stack): a 500 instead of a 400.
    if (q !== undefined && b !== undefined && b !== null && (typeof b === 'object' || String(b) !== q)) {
      throw validation(`Parameter ${name} differs between the query string and the body`, 'conflicting_parameters');
    }
    return b ?? q;
  };
  const arn = (name: string, pattern: RegExp): string => {
    const v = pick(name);
    if (v === undefined || v === null) throw constraintViolation(name, null, 'Member must not be null');
    if (typeof v !== 'string' || v.length > LIMITS.arnMax || !pattern.test(v)) {
      throw constraintViolation(name, v, `Member must satisfy regular expression pattern: ${pattern.source}`);
    }
    return v;
  };
  const trustAnchorArn = arn('trustAnchorArn', PATTERNS.trustAnchorArn);
  const profileArn = arn('profileArn', PATTERNS.profileArn);
  const roleArn = arn('roleArn', PATTERNS.roleArn);

  let durationSeconds: number | undefined;
  const d = pick('durationSeconds');
  if (d !== undefined && d !== null) {
    const n = typeof d === 'string' && /^-?\d+$/.test(d) ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw validation("Invalid type for 'durationSeconds': expected an integer", 'validation');
    if (n < LIMITS.durationMin) {
      throw constraintViolation('durationSeconds', n, `Member must have value greater than or equal to ${LIMITS.durationMin}`, 'duration_out_of_range');
    }
    if (n > LIMITS.durationMax) {
      throw constraintViolation('durationSeconds', n, `Member must have value less than or equal to ${LIMITS.durationMax}`, 'duration_out_of_range');
    }
    durationSeconds = n;
  }

  const rsn = pick('roleSessionName');
  if (rsn !== undefined && rsn !== null && typeof rsn !== 'string') throw validation("Invalid type for 'roleSessionName'", 'validation');

  let instanceProperties: Record<string, string> | undefined;
  const ip = body.instanceProperties;
  if (ip !== undefined && ip !== null) {
    if (typeof ip !== 'object' || Array.isArray(ip)) throw validation("Invalid type for 'instanceProperties'", 'validation');
    const entries = Object.entries(ip as Record<string, unknown>);
    if (entries.length > LIMITS.instancePropertiesMax) {
      throw constraintViolation(
        'instanceProperties',
        `[${entries.length} entries]`,
        `Member must have length less than or equal to ${LIMITS.instancePropertiesMax}`,
      );
    }
    instanceProperties = {};
    for (const [k, v] of entries) {
      if (typeof v !== 'string' || k.length < 1 || k.length > LIMITS.instancePropertyMaxChars || v.length < 1 || v.length > LIMITS.instancePropertyMaxChars) {
        throw validation('instanceProperties keys and values must be strings of 1 to 200 characters', 'validation');
      }
      instanceProperties[k] = v;
    }
  }
  return {
    trustAnchorArn,
    profileArn,
    roleArn,
    durationSeconds,
    roleSessionName: typeof rsn === 'string' ? rsn : undefined,
    instanceProperties,
  };
}
