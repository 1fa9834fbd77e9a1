/**
 * Which authValue a TPM key is used with, as aws_signing_helper decides it:
 * - a TSS2 key file says itself whether it has a password (`emptyAuth`); a password given for a key
 *   that has none is refused, as the official helper refuses it;
 * - a persistent handle says nothing, so the caller tells: `--no-tpm-key-password`, or a password.
 * The official helper prompts on /dev/tty when a password is needed and none was given; rapki
 * never prompts (it runs under credential_process and daemons) and says how to pass one instead.
 */
import { TpmKeyError } from './errors.js';

/** The password options of a key source (KeySourceOptions, camel-cased helper flags). */
export interface TpmPasswordOptions {
  readonly tpmKeyPassword?: string | undefined;
  readonly noTpmKeyPassword?: boolean | undefined;
}

const HOW = 'pass it with --tpm-key-password-file FILE or the RAPKI_TPM_KEY_PASSWORD environment variable (--tpm-key-password also works but shows in ps)';

/** The authValue bytes for a key; `maxBytes` is the digest size of the key's name algorithm. */
export function keyAuthValue(
  o: TpmPasswordOptions,
  key: { readonly emptyAuth: boolean | undefined; readonly describe: string; readonly maxBytes: number },
): Buffer {
  if (o.tpmKeyPassword !== undefined && o.noTpmKeyPassword) {
    throw new TpmKeyError('tpm_key_password_not_needed', 'Give either a TPM key password or --no-tpm-key-password, not both.');
  }
  if (key.emptyAuth === true) {
    if (o.tpmKeyPassword !== undefined) {
      throw new TpmKeyError(
        'tpm_key_password_not_needed',
        `${key.describe} has no password (its key file says emptyAuth), but one was given; drop the TPM key password.`,
      );
    }
    return Buffer.alloc(0);
  }
  if (key.emptyAuth === undefined && o.noTpmKeyPassword) return Buffer.alloc(0);
  if (o.tpmKeyPassword === undefined) {
    throw new TpmKeyError(
      'tpm_key_password_required',
      key.emptyAuth === false
        ? `${key.describe} has a password; ${HOW}. rapki does not prompt for it.`
        : `${key.describe}: say whether the key has a password: --no-tpm-key-password if it has none, else ${HOW}. rapki does not prompt for it.`,
    );
  }
  const bytes = Buffer.from(o.tpmKeyPassword, 'utf8');
  if (bytes.length > key.maxBytes) {
    throw new TpmKeyError(
      'tpm_key_password_too_long',
      `The TPM key password has ${bytes.length} bytes; a key of ${key.describe} takes at most ${key.maxBytes}.`,
    );
  }
  return bytes;
}
