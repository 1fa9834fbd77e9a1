/**
 * Entry point for the CLI: which kind of key a key source names (a TPM persistent handle, a TSS2
 * key file), without loading any key code. Alone in its module because the commands that ask
 * (`agent`, renewals) need nothing else of the signer at that point.
 */
export { holdsTss2Key, isTpmHandle, TSS2_PEM_LABEL } from '../keys/tpm/detect.js';
