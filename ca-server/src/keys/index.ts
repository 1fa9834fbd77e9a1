/** CA key management: generation, signing, encryption at rest. */
export { generateCaKey, CA_KEY_TYPES } from './generate-ca-key.js';
export { caSignerFromPrivateKey, caKeyTypeOf } from './ca-signer.js';
export { encryptCaKey, decryptCaKey, ENCRYPTED_KEY_LABEL, SCRYPT_DEFAULTS, type KeyEncryptionOptions } from './key-encryption.js';
export { KEY_ERROR_CODES, type KeyErrorCode } from './errors.js';
