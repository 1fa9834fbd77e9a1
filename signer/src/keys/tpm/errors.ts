/**
 * Coded errors of TPM 2.0 key sources. Like the PKCS#11 source, this one keeps its own table so
 * that codes, docs (docs/host.md "Keys in the TPM") and tests agree; codes shared with file keys
 * (`key_certificate_mismatch`, `unsupported_curve`, `rsa_key_too_small`, …) are thrown as
 * SignerError instead.
 *
 * Messages never contain a password or key bytes; handles, paths and TPM response codes are fine.
 */
import { RapkiError } from '../../../../common/src/errors.js';

/** Every TPM code with a one-line description. */
export const TPM_ERROR_CODES = {
  tpm_not_found: 'no TPM: TPM_DEVICE is unset and neither /dev/tpmrm0 nor /dev/tpm0 exists, or TPM_DEVICE names nothing',
  tpm_unavailable: 'the TPM device or socket exists but cannot be used (permission denied, busy, refused)',
  tpm_timeout: 'the TPM did not answer in time',
  tpm_response_invalid: 'the TPM answered with bytes that are not a TPM 2.0 response to the command',
  tpm_command_failed: 'the TPM refused a command (its response code is in the message)',
  tpm_out_of_memory: 'the TPM has no room for another loaded object (no resource manager flushes them)',
  tpm_handle_invalid: 'a handle: value is not a persistent handle (0x81000000..0x81FFFFFF)',
  tpm_handle_not_found: 'no object at the persistent handle',
  tpm_key_file_invalid: 'a TSS2 PRIVATE KEY block is not a valid TPM 2.0 key file',
  tpm_key_unsupported: 'the TPM key cannot sign for Roles Anywhere (policy-bound, importable, restricted, no sign attribute, or an unsupported scheme)',
  tpm_key_wrong_parent: 'the key file was made under another parent (another TPM, another storage key, or the TPM was cleared)',
  tpm_parent_not_found: 'the persistent parent handle the key file names is not in the TPM',
  tpm_key_password_required: 'the key has a password and none was given',
  tpm_key_password_not_needed: 'a password was given for a key file that says it has none (emptyAuth)',
  tpm_key_password_too_long: 'the password is longer than the key\'s authValue can be (32 bytes for SHA-256 keys)',
  tpm_wrong_key_password: 'the TPM rejected the key password (TPM_RC_AUTH_FAIL / TPM_RC_BAD_AUTH)',
  tpm_lockout: 'the TPM is in dictionary-attack lockout and refuses password authorizations for now',
} as const;

export type TpmErrorCode = keyof typeof TPM_ERROR_CODES;

/** A failure of a TPM key source; `code` is one of {@link TPM_ERROR_CODES}. */
export class TpmKeyError extends RapkiError {
  declare readonly code: TpmErrorCode;

  constructor(code: TpmErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
  }
}
