/**
 * The key-file permission finding (security.md C25): a private key file that group or others can
 * read is used (as aws_signing_helper does, for drop-in compatibility) but reported, so the caller
 * can warn. Pure: the mode comes from the fstat the reader does anyway (no extra module, no extra
 * path lookup).
 */
import { isTokenReference } from './key-source-stamp.js';

/** A finding about a key source that does not stop the load. */
export interface KeyLoadWarning {
  /** Stable code: `key_file_readable_by_others`. */
  readonly code: 'key_file_readable_by_others';
  /** The key file as named by the caller (a path, never content). */
  readonly path: string;
  /** Permission bits of the file (`st_mode & 0o7777`). */
  readonly mode: number;
  /** One human line, e.g. `private key F is readable by group/others (mode 0644); chmod 600 F`. */
  readonly message: string;
}

/** Receives key-source findings; injected through `KeySourceOptions.onWarning`. */
export type KeyWarningSink = (warning: KeyLoadWarning) => void;

/** Group-read and other-read bits. */
const READABLE_BY_OTHERS = 0o044;

/**
 * The finding for a key file with `mode` (from fstat), or undefined when only the owner can read
 * it. Windows has no POSIX modes (Node fakes them), so nothing is reported there.
 */
export function keyFileModeWarning(path: string, mode: number, platform: string = process.platform): KeyLoadWarning | undefined {
  if (platform === 'win32' || (mode & READABLE_BY_OTHERS) === 0) return undefined;
  const bits = mode & 0o7777;
  const octal = bits.toString(8).padStart(4, '0');
  return {
    code: 'key_file_readable_by_others',
    path,
    mode: bits,
    message: `private key ${path} is readable by group/others (mode ${octal}); chmod 600 ${path}`,
  };
}

/** The file that holds the private key of a file source: `--private-key`, else `--certificate` (combined PEM, PKCS#12). */
export function privateKeyFileOf(source: { readonly certificate: string; readonly privateKey?: string | undefined }): string | undefined {
  const path = source.privateKey ?? source.certificate;
  return isTokenReference(path) ? undefined : path;
}
