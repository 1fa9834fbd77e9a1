/**
 * Authenticates an HMAC SigV4 request for the control plane or STS: header shape, scope, date
 * window, then the key. Keys the emulator minted are verified with their secret and session
 * token; configured IAM keys with their secret; any other key id is accepted only when no IAM
 * credentials are configured (then only the request's shape and date can be checked).
 */
import { timingSafeEqual } from 'node:crypto';
import { HMAC_ALGORITHM, HMAC_MAX_SKEW_MS, MESSAGES } from '../constants.js';
import type { EmulatorContext } from '../context.js';
import type { WireRequest } from '../http/wire-request.js';
import { ServiceError } from '../service-error.js';
import type { SessionRecord } from '../state/model.js';
import { sha256Hex } from '../sts/mint.js';
import { formatAmzDate, parseAmzDate, parseAuthorization, type ParsedAuthorization } from './authorization-header.js';
import { verifyHmacSignature } from './hmac-verify.js';

/** Error codes differ between the restJson front end and STS's awsQuery. */
export interface HmacErrorCodes {
  missing: [status: number, code: string, message: string];
  incomplete: [status: number, code: string];
  unknownKey: [status: number, code: string];
  badSignature: [status: number, code: string];
  expired: [status: number, code: string];
}

export const REST_JSON_CODES: HmacErrorCodes = {
  missing: [403, 'MissingAuthenticationTokenException', MESSAGES.missingAuth],
  incomplete: [400, 'IncompleteSignatureException'],
  unknownKey: [403, 'UnrecognizedClientException'],
  badSignature: [403, 'InvalidSignatureException'],
  expired: [403, 'ExpiredTokenException'],
};

export const STS_CODES: HmacErrorCodes = {
  missing: [403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'],
  incomplete: [400, 'IncompleteSignature'],
  unknownKey: [403, 'InvalidClientTokenId'],
  badSignature: [403, 'SignatureDoesNotMatch'],
  expired: [400, 'ExpiredToken'],
};

export interface HmacIdentity {
  auth: ParsedAuthorization;
  /** The minted session the key belongs to, if any. */
  session: SessionRecord | undefined;
  callerArn: string;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function authenticateHmac(
  ctx: EmulatorContext,
  wire: WireRequest,
  codes: HmacErrorCodes,
  opts: { requireRegion: boolean; allowUnknownKeys: boolean },
): Promise<HmacIdentity> {
  const fail = (c: [number, string], message: string, reason: string) => new ServiceError(c[0], c[1], message, reason);
  if (wire.headers.authorization === undefined) {
    throw new ServiceError(codes.missing[0], codes.missing[1], codes.missing[2], 'missing_authorization');
  }
  const auth = parseAuthorization(wire.headers.authorization);
  if (!auth || auth.algorithm !== HMAC_ALGORITHM) {
    throw fail(
      codes.incomplete,
      'Authorization header requires Credential, SignedHeaders and Signature parameters, and the AWS4-HMAC-SHA256 algorithm.',
      'malformed_authorization',
    );
  }
  if (auth.terminator !== 'aws4_request') throw fail(codes.incomplete, "Credential should be scoped with a valid terminator: 'aws4_request'.", 'bad_scope');
  if (opts.requireRegion && auth.region !== ctx.region) {
    throw fail(codes.badSignature, `Credential should be scoped to a valid region, not '${auth.region}'.`, 'wrong_region');
  }
  const rawDate = wire.headers['x-amz-date'];
  const date = parseAmzDate(rawDate);
  if (!date || !auth.signedHeaders.includes('x-amz-date') || !auth.signedHeaders.includes('host')) {
    throw fail(codes.incomplete, 'Authorization header requires existence of the host and x-amz-date headers, both signed.', 'required_header_not_signed');
  }
  if (rawDate!.trim().slice(0, 8) !== auth.scopeDate) {
    throw fail(
      codes.badSignature,
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${rawDate!.trim().slice(0, 8)}'`,
      'scope_date_mismatch',
    );
  }
  const now = ctx.clock.now();
  if (Math.abs(date.getTime() - now.getTime()) > HMAC_MAX_SKEW_MS) {
    const earlier = date.getTime() < now.getTime();
    const edge = formatAmzDate(new Date(now.getTime() + (earlier ? -HMAC_MAX_SKEW_MS : HMAC_MAX_SKEW_MS)));
    throw fail(
      codes.badSignature,
      earlier
        ? `Signature expired: ${rawDate!.trim()} is now earlier than ${edge} (${formatAmzDate(now)} - 15 min.)`
        : `Signature not yet current: ${rawDate!.trim()} is still later than ${edge} (${formatAmzDate(now)} + 15 min.)`,
      'stale_date',
    );
  }

  const session = ctx.store.state.sessions.find((s) => s.accessKeyId === auth.credentialId);
  if (session) {
    const token = wire.headers['x-amz-security-token'];
    if (token === undefined || !sameHash(sha256Hex(token), session.sessionTokenSha256)) {
      throw fail(codes.unknownKey, MESSAGES.invalidClientToken, 'bad_session_token');
    }
    if (!(await verifyHmacSignature(wire, auth, session.secretAccessKey, date))) {
      throw fail(codes.badSignature, MESSAGES.signatureDoesNotMatch, 'bad_signature');
    }
    if (now.getTime() >= new Date(session.expiration).getTime()) {
      throw fail(codes.expired, MESSAGES.expiredToken, 'expired_token');
    }
    return { auth, session, callerArn: session.assumedRoleArn };
  }
  const iam = ctx.iamCredentials.find((c) => c.accessKeyId === auth.credentialId);
  if (iam) {
    if (!(await verifyHmacSignature(wire, auth, iam.secretAccessKey, date))) {
      throw fail(codes.badSignature, MESSAGES.signatureDoesNotMatch, 'bad_signature');
    }
    return { auth, session: undefined, callerArn: `arn:aws:iam::${ctx.accountId}:user/${iam.accessKeyId}` };
  }
  if (opts.allowUnknownKeys && ctx.iamCredentials.length === 0) {
    return { auth, session: undefined, callerArn: `arn:aws:iam::${ctx.accountId}:user/emulator` };
  }
  throw fail(codes.unknownKey, MESSAGES.invalidClientToken, 'unknown_access_key');
}
