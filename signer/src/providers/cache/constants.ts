/**
 * Limits of the credential cache of `credential-process` (cached-credential-process.ts).
 *
 * Why 15 minutes: botocore starts its advisory refresh 15 minutes before `Expiration` and the JS
 * SDK 5 minutes before (botocore `RefreshableCredentials`; the JS SDK's 300,000 ms expiry window).
 * Credentials handed out with less than that left would make botocore call us again at once, so such
 * entries are not reused.
 */

/** An entry is reused only while more than this remains before `Expiration`. */
export const MIN_REMAINING_MS = 15 * 60_000;
/** A lock older than this is taken to belong to a crashed process (CreateSession + retries fit well inside). */
export const LOCK_STALE_MS = 60_000;
/** Give up waiting for another process's CreateSession after this long, and call it ourselves. */
export const LOCK_WAIT_MS = 45_000;
/** How often a waiting process looks for the result. */
export const LOCK_POLL_MS = 25;
/** Largest cache entry read (a credential set is about 1-2 KiB). */
export const MAX_ENTRY_BYTES = 64 * 1024;
/** Largest key/certificate file hashed into the key (as signer/src/constants.ts MAX_KEY_FILE_BYTES). */
export const MAX_HASHED_FILE_BYTES = 1024 * 1024;
/** Directory under the base (XDG runtime or cache dir). */
export const CACHE_DIR_NAME = 'rapki';
/** Bumped when the entry format or key derivation changes. */
export const CACHE_FORMAT = 'rapki-credential-cache-v1';
/** Entry file suffix. */
export const ENTRY_SUFFIX = '.json';
