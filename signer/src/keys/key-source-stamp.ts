/**
 * Which files a key source reads, and a cheap fingerprint of them (one stat per file) that changes
 * when any of them is replaced or rewritten: long-running modes poll it to use renewed
 * certificates at once (signer/src/providers/refreshing-source.ts).
 *
 * Token references (`pkcs11:` URIs, TPM `handle:` keys) name no file and are left out.
 */
import { statSync } from 'node:fs';
import type { KeySourceOptions } from '../types.js';

/** True for a key or certificate reference that is not a file path. */
export function isTokenReference(pathOrUri: string): boolean {
  return /^(pkcs11|handle):/i.test(pathOrUri);
}

/** The file paths a key source reads (certificate, private key, intermediates), without token references. */
export function keySourceFiles(source: Pick<KeySourceOptions, 'certificate' | 'privateKey' | 'intermediates'>): string[] {
  return [source.certificate, source.privateKey, source.intermediates].filter((p): p is string => p !== undefined && p !== '' && !isTokenReference(p));
}

/**
 * Device, inode, size, mtime and ctime of each file (or `-` when it cannot be stat'ed). A rename
 * over the file (atomic replacement) changes the inode; an in-place rewrite changes mtime/ctime.
 */
export function keySourceStamp(source: Pick<KeySourceOptions, 'certificate' | 'privateKey' | 'intermediates'>): string {
  return keySourceFiles(source)
    .map((p) => {
      try {
        const st = statSync(p, { bigint: true });
        return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}
