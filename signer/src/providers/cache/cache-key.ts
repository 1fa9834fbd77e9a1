/**
 * The cache key: SHA-256 over everything that decides whether a fresh CreateSession would succeed
 * and with which identity — so that a cache hit never answers a call that would fail, or answer it
 * for another identity. A hit never loads the key (that is the point of the cache), so each input
 * enters the key instead:
 *
 * - each certificate/key/intermediates file: its path, identity (device and inode: a replaced file
 *   is a new one) and the SHA-256 of its bytes (a renewed certificate selects a new entry);
 * - token references (`pkcs11:` URIs without their `pin-value`, TPM `handle:`s) as text, plus the
 *   PKCS#11 module and `--reuse-pin`;
 * - the secrets that unlock the key — the PKCS#8/PKCS#12 password, the PKCS#11 PIN (from the URI,
 *   its `pin-source` file or RAPKI_PKCS11_PIN), a TPM key password — as an HMAC-SHA-256 under a
 *   random key kept in the cache directory (cache-secret.ts), so a wrong password or PIN misses
 *   (and then fails as it should) while the entry name reveals nothing guessable about the secret;
 * - the session parameters (ARNs, region, endpoint, FIPS, duration, session name) and the TLS
 *   trust (`--no-verify-ssl`, the AWS_CA_BUNDLE content): credentials fetched without
 *   verification are never handed to a call that verifies.
 *
 * Neither the key nor any digest of a secret is stored: only the combined digest names the entry.
 * SHA-256 comes from ./sha256.ts so that a cache hit does not load node:crypto.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { DEFAULT_DURATION_SECONDS } from '../../constants.js';
import { keyFileModeWarning, privateKeyFileOf } from '../../keys/key-file-mode.js';
import { isTokenReference } from '../../keys/key-source-stamp.js';
import type { KeySourceOptions, SessionOptions } from '../../types.js';
import { CACHE_FORMAT, MAX_HASHED_FILE_BYTES } from './constants.js';
import { hmacSha256Hex, sha256Hex } from './sha256.js';

/** What the key source contributes to the key: a digest of public inputs, and the secrets to be keyed. */
export interface KeyMaterialHashes {
  /** Hex SHA-256 over the files (path, identity, content digest) and token references. */
  readonly material: string;
  /**
   * The secrets that unlock the key (password, PIN), encoded; undefined when none is involved
   * (then no cache secret is needed either). Never written anywhere: only its HMAC enters the key.
   */
  readonly secrets?: string | undefined;
}

/** The session parameters that change the result. */
export type CacheKeyParams = Pick<
  SessionOptions,
  'trustAnchorArn' | 'profileArn' | 'roleArn' | 'region' | 'endpoint' | 'useFipsEndpoint' | 'durationSeconds' | 'roleSessionName' | 'verifyTls' | 'caBundle'
>;

/**
 * `path, dev:ino, sha256(bytes)` of a file, or `uri:<reference>` for token references (the caller
 * passes them with any `pin-value` removed). `onMode` gets the st_mode of the fstat made here
 * anyway (the private-key file's permission check).
 */
export function hashKeyMaterialFile(pathOrUri: string, onMode?: (mode: number) => void): string {
  if (isTokenReference(pathOrUri)) return `uri:${pathOrUri}`;
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
    return `file:${pathOrUri}\0${st.dev}:${st.ino}\0${digest}`;
  } finally {
    closeSync(fd);
  }
}

/**
 * Token references without their PIN, and the PIN the token key would log in with, resolved by the
 * PKCS#11 loader's own rules (common/src/pkcs11/pin.ts). Loaded lazily: only for `pkcs11:` keys.
 */
async function tokenInputs(
  source: KeySourceOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ certificate: string; privateKey: string | undefined; pin: string | undefined }> {
  const [{ parsePkcs11Uri, redactPin }, { resolvePin }] = await Promise.all([
    import('../../../../common/src/pkcs11/uri.js'),
    import('../../../../common/src/pkcs11/pin.js'),
  ]);
  const uriOf = (ref: string | undefined) => (ref !== undefined && /^pkcs11:/i.test(ref) ? parsePkcs11Uri(ref) : undefined);
  const pin = await resolvePin([uriOf(source.privateKey), uriOf(source.certificate)], {
    env,
    readFile: async (path) => readFileSync(path),
  });
  const strip = (ref: string | undefined) => (ref !== undefined && /^pkcs11:/i.test(ref) ? redactPin(ref) : ref);
  return { certificate: strip(source.certificate) as string, privateKey: strip(source.privateKey), pin };
}

/**
 * Hashes what the key source names. Throws when a file cannot be read (the caller skips the
 * cache: the miss path then reports it with its proper error). A cache hit never loads the key, so
 * the key file's permission finding is reported here, through `source.onWarning`, from the same fstat.
 */
export async function hashKeyMaterial(source: KeySourceOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<KeyMaterialHashes> {
  const keyFile = source.onWarning === undefined ? undefined : privateKeyFileOf(source);
  const check = (path: string) =>
    path !== keyFile
      ? undefined
      : (mode: number) => {
          const w = keyFileModeWarning(path, mode);
          if (w) source.onWarning?.(w);
        };
  const token = [source.certificate, source.privateKey].some((r) => r !== undefined && /^pkcs11:/i.test(r));
  const t = token ? await tokenInputs(source, env) : { certificate: source.certificate, privateKey: source.privateKey, pin: undefined };
  const material = sha256Hex(
    JSON.stringify([
      hashKeyMaterialFile(t.certificate, source.privateKey === undefined ? check(source.certificate) : undefined),
      t.privateKey === undefined ? null : hashKeyMaterialFile(t.privateKey, check(t.privateKey)),
      source.intermediates === undefined ? null : hashKeyMaterialFile(source.intermediates),
      token ? (source.pkcs11Lib ?? null) : null,
      token ? source.reusePin === true : null,
    ]),
  );
  const pin = t.pin;
  // Every secret a key source can take, by position; add new ones at the end.
  const secretList = [source.pkcs8Password ?? null, pin ?? null, source.tpmKeyPassword ?? null];
  return { material, secrets: secretList.some((s) => s !== null) ? JSON.stringify(secretList) : undefined };
}

/**
 * The entry name: hex SHA-256 of the format, the key material digest, the keyed digest of the
 * secrets (`secretKey` is the cache directory's random key; needed only when there are secrets)
 * and the session parameters.
 */
export function cacheKey(hashes: KeyMaterialHashes, p: CacheKeyParams, secretKey?: string): string {
  if (hashes.secrets !== undefined && (secretKey === undefined || secretKey === '')) {
    throw new TypeError('cacheKey: a key source with a password or PIN needs the cache secret');
  }
  const fields = [
    CACHE_FORMAT,
    hashes.material,
    hashes.secrets === undefined ? '' : hmacSha256Hex(secretKey as string, hashes.secrets),
    p.trustAnchorArn,
    p.profileArn,
    p.roleArn,
    p.region ?? '',
    p.endpoint ?? '',
    p.useFipsEndpoint === true ? 'fips' : '',
    String(p.durationSeconds ?? DEFAULT_DURATION_SECONDS),
    p.roleSessionName ?? '',
    p.verifyTls === false ? 'no-verify' : 'verify',
    p.caBundle === undefined ? '' : sha256Hex(p.caBundle),
  ];
  return sha256Hex(JSON.stringify(fields));
}
