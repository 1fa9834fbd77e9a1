/** The pure SigV4 steps, one per file (Roles Anywhere User Guide, "Signing process", Tasks 1–4). */
export { uriEncode } from './uri-encode.js';
export { canonicalQuery } from './canonical-query.js';
export { canonicalHeaders, UNSIGNED_HEADERS, type CanonicalHeaders } from './canonical-headers.js';
export { payloadHash } from './payload-hash.js';
export { credentialScope } from './credential-scope.js';
export { canonicalRequest, type CanonicalRequestParts } from './canonical-request.js';
export { stringToSign } from './string-to-sign.js';
export { authorizationHeader } from './authorization-header.js';
export { formatAmzDate } from './amz-date.js';
