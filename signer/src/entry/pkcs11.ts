/**
 * Entry point for the CLI: PKCS#11 tokens (listing certificates, generating a key pair on the
 * token at enrollment). Load it lazily: the native binding follows when a module is opened.
 */
export * from '../keys/pkcs11/index.js';
