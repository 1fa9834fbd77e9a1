/** The credential cache of `credential-process`. */
export { cachedCredentialProcess } from './cached-credential-process.js';
export type { CachedCredentialProcessOptions, CachedCredentialProcessResult } from './cached-credential-process.js';
export { cacheKey, hashKeyMaterial, hashKeyMaterialFile } from './cache-key.js';
export type { CacheKeyParams, KeyMaterialHashes } from './cache-key.js';
export { resolveCacheDir, ensurePrivateDir } from './cache-dir.js';
export { readCacheSecret, ensureCacheSecret, CACHE_SECRET_FILE } from './cache-secret.js';
export { CACHE_ERROR_CODES } from './errors.js';
