/** Moved to common/src/pkcs11/uri.ts (shared with the CA's token-held key); re-exported for the signer's key sources. */
export * from '../../../../common/src/pkcs11/uri.js';
