/**
 * Error codes raised by CA key management (`ca-server/src/keys/`), with what each means. The CLI
 * maps them to messages and exit codes; none of them ever carries key material.
 */
export const KEY_ERROR_CODES = {
  ca_key_wrong_passphrase: 'the passphrase does not open the CA key (or the key file was altered)',
  ca_key_malformed: 'the encrypted CA key file is not in the expected format',
  ca_key_passphrase_missing: 'no (or an empty) passphrase was given for the CA key',
  ca_key_unsupported: 'the key is not a CA key type rapki uses (EC P-256/P-384, RSA 3072/4096)',
} as const;

export type KeyErrorCode = keyof typeof KEY_ERROR_CODES;
