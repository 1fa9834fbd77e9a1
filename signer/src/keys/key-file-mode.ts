/**
 * The key-file permission finding (security.md C25): a private key file that group or others can
 * read is used (as aws_signing_helper does, for drop-in compatibility) but reported, so the caller
 * can warn. The finding itself lives in common/ (the CA server reports its passphrase file the
 * same way); here: the sink type and which file of a source holds the key.
 */
import { isTokenReference } from './key-source-stamp.js';

export { keyFileModeWarning, type KeyLoadWarning } from '../../../common/src/key-file-mode.js';
import type { KeyLoadWarning } from '../../../common/src/key-file-mode.js';

/** Receives key-source findings; injected through `KeySourceOptions.onWarning`. */
export type KeyWarningSink = (warning: KeyLoadWarning) => void;

/** The file that holds the private key of a file source: `--private-key`, else `--certificate` (combined PEM, PKCS#12). */
export function privateKeyFileOf(source: { readonly certificate: string; readonly privateKey?: string | undefined }): string | undefined {
  const path = source.privateKey ?? source.certificate;
  return isTokenReference(path) ? undefined : path;
}
