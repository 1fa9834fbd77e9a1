import {
  CONTENT_TYPE_JSON,
  CREATE_SESSION_METHOD,
  CREATE_SESSION_PATH,
  HEADER_AMZ_DATE,
  HEADER_AUTHORIZATION,
  HEADER_CONTENT_TYPE,
  HEADER_HOST,
  HEADER_X509,
  HEADER_X509_CHAIN,
  QUERY_PROFILE_ARN,
  QUERY_ROLE_ARN,
  QUERY_TRUST_ANCHOR_ARN,
  SCOPE_DATE_LENGTH,
} from '../constants.js';
import { SignerError } from '../errors.js';
import { formatAmzDate } from '../sigv4/amz-date.js';
import { authorizationHeader } from '../sigv4/authorization-header.js';
import { canonicalHeaders } from '../sigv4/canonical-headers.js';
import { canonicalQuery } from '../sigv4/canonical-query.js';
import { canonicalRequest } from '../sigv4/canonical-request.js';
import { credentialScope } from '../sigv4/credential-scope.js';
import { payloadHash } from '../sigv4/payload-hash.js';
import { stringToSign } from '../sigv4/string-to-sign.js';
import { parseCertificate } from '../x509/parse-certificate.js';
import type { CreateSessionInput, KeySigner, SignedCreateSessionRequest } from '../types.js';
import { createSessionBody } from './create-session-body.js';

/**
 * Builds and signs one CreateSession request exactly as the official helper shapes it
 * (aws_signing_helper/signer.go): `POST /sessions`, the three ARNs in the query string, body
 * `{"durationSeconds":N[,"roleSessionName":"…"]}`, signed headers
 * `content-type;host;x-amz-date;x-amz-x509[;x-amz-x509-chain]`.
 *
 * Pure apart from `signer.sign`: the clock comes in as `now`. It does not validate ARNs or the
 * duration — run `preflight()` first; it only refuses a Host that would corrupt the canonical form.
 */
export async function signCreateSessionRequest(input: CreateSessionInput, signer: KeySigner, now: Date): Promise<SignedCreateSessionRequest> {
  if (input.host.length === 0 || /[\s]/.test(input.host)) {
    throw new SignerError('invalid_host', 'The Host value for CreateSession is empty or contains whitespace.');
  }
  const query = canonicalQuery({
    [QUERY_PROFILE_ARN]: input.profileArn,
    [QUERY_ROLE_ARN]: input.roleArn,
    [QUERY_TRUST_ANCHOR_ARN]: input.trustAnchorArn,
  });
  const body = createSessionBody(input.durationSeconds, input.roleSessionName);
  const amzDate = formatAmzDate(now);
  const headers: Record<string, string> = {
    [HEADER_CONTENT_TYPE]: CONTENT_TYPE_JSON,
    [HEADER_HOST]: input.host,
    [HEADER_AMZ_DATE]: amzDate,
    [HEADER_X509]: base64Of(signer.certificate),
  };
  if (signer.chain.length > 0) headers[HEADER_X509_CHAIN] = signer.chain.map(base64Of).join(',');

  const canon = canonicalHeaders(headers);
  const request = canonicalRequest({
    method: CREATE_SESSION_METHOD,
    path: CREATE_SESSION_PATH,
    canonicalQuery: query,
    canonicalHeaders: canon.canonical,
    signedHeaders: canon.signedHeaders,
    payloadHash: payloadHash(body),
  });
  const scope = credentialScope(amzDate.slice(0, SCOPE_DATE_LENGTH), input.region);
  const toSign = stringToSign(signer.algorithm, amzDate, scope, request);
  const signature = await signer.sign(Buffer.from(toSign, 'utf8'));
  const serial = serialOf(signer.certificate);
  headers[HEADER_AUTHORIZATION] = authorizationHeader(signer.algorithm, serial, scope, canon.signedHeaders, signature);

  return {
    method: CREATE_SESSION_METHOD,
    pathAndQuery: query.length > 0 ? `${CREATE_SESSION_PATH}?${query}` : CREATE_SESSION_PATH,
    headers,
    body,
    canonicalRequest: request,
    stringToSign: toSign,
  };
}

/**
 * Base64 and decimal serial per certificate buffer, so repeated signing (refresh loops, the
 * in-process provider) encodes and parses each certificate once. Keyed by the buffer object.
 */
const certCache = new WeakMap<Uint8Array, { base64: string; serial?: string }>();
function entryOf(der: Uint8Array): { base64: string; serial?: string } {
  let entry = certCache.get(der);
  if (entry === undefined) {
    entry = { base64: Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64') };
    certCache.set(der, entry);
  }
  return entry;
}
function base64Of(der: Uint8Array): string {
  return entryOf(der).base64;
}
function serialOf(der: Uint8Array): string {
  const entry = entryOf(der);
  return (entry.serial ??= parseCertificate(der).serialDecimal);
}
