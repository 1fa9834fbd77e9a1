/**
 * Entry point for the CLI: the per-user credential cache of `rapki credential-process`, the whole
 * of its hit path (a file read and a check). Statically imported by that command; key loading and
 * CreateSession come from `./key-signer.ts` and `./session.ts`, loaded on a miss only.
 */
export { cachedCredentialProcess } from '../providers/cache/cached-credential-process.js';
export { cacheKey, hashKeyMaterial, type KeyMaterialHashes } from '../providers/cache/cache-key.js';
