/**
 * Codes of TPM 2.0 key sources (signer/src/keys/tpm/; docs/host.md "Keys in the TPM"). Codes shared
 * with file keys (`key_certificate_mismatch`, `unsupported_curve`, …) are the signer's. Messages
 * never contain a password or key bytes; handles, paths and TPM response codes are fine.
 */
import type { ErrorTable } from '../spec.js';

export const TPM_CODES = {
  tpm_not_found: { message: 'no TPM: TPM_DEVICE is unset and neither /dev/tpmrm0 nor /dev/tpm0 exists, or TPM_DEVICE names nothing' },
  tpm_unavailable: { message: 'the TPM device or socket exists but cannot be used (permission denied, busy, refused)' },
  tpm_timeout: { message: 'the TPM did not answer in time' },
  tpm_response_invalid: { message: 'the TPM answered with bytes that are not a TPM 2.0 response to the command' },
  tpm_command_failed: { message: 'the TPM refused a command (its response code is in the message)' },
  tpm_out_of_memory: { message: 'the TPM has no room for another loaded object (no resource manager flushes them)' },
  tpm_handle_invalid: { message: 'a handle: value is not a persistent handle (0x81000000..0x81FFFFFF)' },
  tpm_handle_not_found: { message: 'no object at the persistent handle' },
  tpm_key_file_invalid: { message: 'a TSS2 PRIVATE KEY block is not a valid TPM 2.0 key file' },
  tpm_key_unsupported: {
    message: 'the TPM key cannot sign for Roles Anywhere (policy-bound, importable, restricted, no sign attribute, or an unsupported scheme)',
  },
  tpm_key_wrong_parent: { message: 'the key file was made under another parent (another TPM, another storage key, or the TPM was cleared)' },
  tpm_parent_not_found: { message: 'the persistent parent handle the key file names is not in the TPM' },
  tpm_key_password_required: { message: 'the key has a password and none was given' },
  tpm_key_password_not_needed: { message: 'a password was given for a key file that says it has none (emptyAuth)' },
  tpm_key_password_too_long: { message: "the password is longer than the key's authValue can be (32 bytes for SHA-256 keys)" },
  tpm_wrong_key_password: { message: 'the TPM rejected the key password (TPM_RC_AUTH_FAIL / TPM_RC_BAD_AUTH)' },
  tpm_lockout: { message: 'the TPM is in dictionary-attack lockout and refuses password authorizations for now' },
} as const satisfies ErrorTable;
