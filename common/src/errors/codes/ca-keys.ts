/** Codes of CA key management (ca-server/src/keys/). None of them ever carries key material. */
import type { ErrorTable } from '../spec.js';

export const CA_KEY_CODES = {
  ca_key_wrong_passphrase: { message: 'the passphrase does not open the CA key (or the key file was altered)' },
  ca_key_malformed: { message: 'the encrypted CA key file is not in the expected format' },
  ca_key_passphrase_missing: { message: 'no (or an empty) passphrase was given for the CA key' },
  ca_key_unsupported: { message: 'the key is not a CA key type rapki uses (EC P-256/P-384, RSA 3072/4096)' },
} as const satisfies ErrorTable;
