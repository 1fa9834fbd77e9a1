/**
 * TPM 2.0 key sources and host keys. Loaded lazily (by `loadKeySigner` for `handle:` and TSS2 key
 * files, by `rapki enroll --key tpm` and renewals of such keys), never on the file-key path.
 */
export { loadTpmKeySigner, parseTpmHandle, tss2KeyOf, type TpmDeps, type TpmKeyFiles } from './tpm-key-signer.js';
export {
  createTpmHostKey,
  readPersistentPublic,
  replacePersistentKey,
  signWithKeyFile,
  signWithPersistentKey,
  type CreatedTpmKey,
  type TpmHostKeyType,
} from './host-key.js';
export { parseTss2KeyFile, isPersistentHandle, type Tss2KeyFile } from './key-file.js';
export { keyAuthValue, type TpmPasswordOptions } from './key-password.js';
export { publicKeyOf, type TpmPublic } from './public-area.js';
export { TPM_ERROR_CODES, TpmKeyError, type TpmErrorCode } from './errors.js';
export { OID_LOADABLE_KEY, TSS2_PEM_LABEL, TPM_HASHES } from './constants.js';
