/**
 * Entry point for the CLI: a `KeySigner` from a key source (file, PKCS#12, PKCS#11 URI, TPM), the
 * key kinds' code loading on demand. Alone in its module so that a command that only signs (or a
 * `credential-process` cache miss) loads nothing else.
 */
export { loadKeySigner } from '../keys/load-key-signer.js';
export type { KeySigner } from '../types.js';
