/**
 * A secret file that group or others can read (docs/security.md C25): used, but reported so the
 * caller can warn. One finding for the signer's private key files and the CA's `--passphrase-file`
 * (what unlocks the CA key). Pure: the mode comes from the fstat the reader does anyway.
 */

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

/** Group-read and other-read bits. */
const READABLE_BY_OTHERS = 0o044;

/**
 * The finding for a key file with `mode` (from fstat), or undefined when only the owner can read
 * it. Windows has no POSIX modes (Node fakes them), so nothing is reported there. `what` names the
 * file in the message (`private key`, `CA key passphrase file`).
 */
export function keyFileModeWarning(path: string, mode: number, platform: string = process.platform, what = 'private key'): KeyLoadWarning | undefined {
  if (platform === 'win32' || (mode & READABLE_BY_OTHERS) === 0) return undefined;
  const bits = mode & 0o7777;
  const octal = bits.toString(8).padStart(4, '0');
  return {
    code: 'key_file_readable_by_others',
    path,
    mode: bits,
    message: `${what} ${path} is readable by group/others (mode ${octal}); chmod 600 ${path}`,
  };
}
