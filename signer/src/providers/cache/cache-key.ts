/**
 * The cache key: SHA-256 over everything that decides which credentials CreateSession returns.
 *
 * The certificate, key and intermediates enter as SHA-256 digests of their file bytes, so a renewed
 * certificate or a replaced key selects a new entry (the old one is simply never read again, and is
 * pruned once expired). Neither the key nor its digest is stored: only this combined digest names
 * the entry file. SHA-256 comes from ./sha256.ts so that a cache hit does not load node:crypto.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { keyFileModeWarning, privateKeyFileOf } from '../../keys/key-file-mode.js';
import type { KeySourceOptions, SessionOptions } from '../../types.js';
import { CACHE_FORMAT, MAX_HASHED_FILE_BYTES } from './constants.js';
import { sha256Hex } from './sha256.js';

/** Hex SHA-256 digests of the key material files (never the key itself). */
export interface KeyMaterialHashes {
  readonly certificate: string;
  readonly privateKey?: string | undefined;
  readonly intermediates?: string | undefined;
}

/** The session parameters that change the credentials. */
export type CacheKeyParams = Pick<
  SessionOptions,
  'trustAnchorArn' | 'profileArn' | 'roleArn' | 'region' | 'endpoint' | 'useFipsEndpoint' | 'durationSeconds' | 'roleSessionName'
>;

/**
 * Hex SHA-256 of a file's bytes, or of the reference itself for non-file sources (`pkcs11:` URIs).
 * `onMode` gets the st_mode of the fstat made here anyway (the private-key file's permission check).
 */
export function hashKeyMaterialFile(pathOrUri: string, onMode?: (mode: number) => void): string {
  if (/^(pkcs11|handle):/i.test(pathOrUri)) return sha256Hex(`uri:${pathOrUri}`);
  const fd = openSync(pathOrUri, 'r');
  try {
    const st = fstatSync(fd);
    onMode?.(st.mode);
    const size = st.size;
    if (size > MAX_HASHED_FILE_BYTES) throw new RangeError(`${pathOrUri} is larger than ${MAX_HASHED_FILE_BYTES} bytes`);
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    const digest = sha256Hex(buf.subarray(0, off));
    buf.fill(0);
    return digest;
  } finally {
    closeSync(fd);
  }
}

/**
 * Digests of the files a key source names. Throws when one cannot be read (the caller skips the
 * cache). A cache hit never loads the key, so the key file's permission finding is reported here,
 * through `source.onWarning`, from the same fstat.
 */
export function hashKeyMaterial(source: KeySourceOptions): KeyMaterialHashes {
  const keyFile = source.onWarning === undefined ? undefined : privateKeyFileOf(source);
  const check = (path: string) =>
    path !== keyFile
      ? undefined
      : (mode: number) => {
          const w = keyFileModeWarning(path, mode);
          if (w) source.onWarning?.(w);
        };
  return {
    certificate: hashKeyMaterialFile(source.certificate, source.privateKey === undefined ? check(source.certificate) : undefined),
    privateKey: source.privateKey === undefined ? undefined : hashKeyMaterialFile(source.privateKey, check(source.privateKey)),
    intermediates: source.intermediates === undefined ? undefined : hashKeyMaterialFile(source.intermediates),
  };
}

export function cacheKey(hashes: KeyMaterialHashes, p: CacheKeyParams): string {
  const fields = [
    CACHE_FORMAT,
    hashes.certificate,
    hashes.privateKey ?? '',
    hashes.intermediates ?? '',
    p.trustAnchorArn,
    p.profileArn,
    p.roleArn,
    p.region ?? '',
    p.endpoint ?? '',
    p.useFipsEndpoint === true ? 'fips' : '',
    String(p.durationSeconds ?? 3600),
    p.roleSessionName ?? '',
  ];
  return sha256Hex(JSON.stringify(fields));
}
