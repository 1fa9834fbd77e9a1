/**
 * Entry point for the CLI: TPM 2.0 host keys (`rapki enroll --key tpm`, renewals of such keys):
 * creating, reading and signing with TPM keys, and the TSS2 key file format. Load it lazily: a
 * command without a TPM key never needs it.
 */
export * from '../keys/tpm/index.js';
