import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes as nodeRandomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { RapkiError } from '../../../common/src/errors.js';

/**
 * CA private keys encrypted at rest.
 *
 * Choice: our own armored format rather than node's encrypted PKCS#8 export, because node's
 * export uses PBKDF2 with a fixed, low iteration count (2048) that cannot be raised. Here the key
 * is derived with scrypt (RFC 7914; N = 2^15, r = 8, p = 1 by default, 16-byte random salt) and the
 * PKCS#8 DER is sealed with AES-256-GCM (96-bit random IV, 128-bit tag). The header lines (KDF
 * parameters, salt, IV) are authenticated as GCM additional data, so they cannot be changed
 * without detection. Text layout:
 *
 * ```
 * -----BEGIN RAPKI ENCRYPTED PRIVATE KEY-----
 * Format: rapki-ca-key-v1
 * KDF: scrypt N=32768 r=8 p=1
 * Salt: <base64>
 * Cipher: aes-256-gcm
 * IV: <base64>
 *
 * <base64 of ciphertext || tag, 64 columns>
 * -----END RAPKI ENCRYPTED PRIVATE KEY-----
 * ```
 */
export const ENCRYPTED_KEY_LABEL = 'RAPKI ENCRYPTED PRIVATE KEY';
const FORMAT = 'rapki-ca-key-v1';

/** scrypt parameters; decryption accepts only this window so a crafted file cannot exhaust memory. */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const LIMITS = { minLogN: 14, maxLogN: 20, maxR: 16, maxP: 4, maxCost: 2 ** 21 };

/**
 * The accepted scrypt window. Besides each parameter's range, the work N·r·p is capped at 2^21
 * (8× the default; about 1 s and 256 MiB), because the header is authenticated only after the
 * key is derived: a crafted file must not buy gigabytes of memory or minutes of CPU.
 */
function scryptParamsOk(N: number, r: number, p: number): boolean {
  return (
    N >= 2 ** LIMITS.minLogN &&
    N <= 2 ** LIMITS.maxLogN &&
    Number.isInteger(Math.log2(N)) &&
    r >= 1 &&
    r <= LIMITS.maxR &&
    p >= 1 &&
    p <= LIMITS.maxP &&
    N * r * p <= LIMITS.maxCost
  );
}

export interface KeyEncryptionOptions {
  readonly N?: number;
  readonly r?: number;
  readonly p?: number;
  /** Injected randomness (tests). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

function deriveKey(passphrase: string | Uint8Array, salt: Uint8Array, N: number, r: number, p: number): Buffer {
  return scryptSync(passphrase, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
}

function checkPassphrase(passphrase: string | Uint8Array): void {
  if ((typeof passphrase !== 'string' && !(passphrase instanceof Uint8Array)) || passphrase.length === 0) {
    throw new RapkiError('ca_key_passphrase_missing', 'a non-empty passphrase is required for the CA key');
  }
}

/** Encrypts a private key (any type node can export as PKCS#8) with a passphrase. */
export function encryptCaKey(privateKey: KeyObject, passphrase: string | Uint8Array, options: KeyEncryptionOptions = {}): string {
  checkPassphrase(passphrase);
  const { N = SCRYPT_DEFAULTS.N, r = SCRYPT_DEFAULTS.r, p = SCRYPT_DEFAULTS.p } = options;
  const rnd = options.randomBytes ?? nodeRandomBytes;
  if (!scryptParamsOk(N, r, p)) throw new TypeError('scrypt parameters out of range');
  const salt = Buffer.from(rnd(16));
  const iv = Buffer.from(rnd(12));
  const header = [
    `Format: ${FORMAT}`,
    `KDF: scrypt N=${N} r=${r} p=${p}`,
    `Salt: ${salt.toString('base64')}`,
    'Cipher: aes-256-gcm',
    `IV: ${iv.toString('base64')}`,
  ].join('\n');
  const key = deriveKey(passphrase, salt, N, r, p);
  const plain = privateKey.export({ format: 'der', type: 'pkcs8' });
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(header, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  plain.fill(0);
  key.fill(0);
  const b64 = body
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${ENCRYPTED_KEY_LABEL}-----\n${header}\n\n${b64}\n-----END ${ENCRYPTED_KEY_LABEL}-----\n`;
}

function malformed(why: string): never {
  throw new RapkiError('ca_key_malformed', `the encrypted CA key file is malformed: ${why}`);
}

/**
 * The header lines and the base64 body between the armor lines, found with index searches
 * (linear time; a lazy regular expression here backtracked quadratically on 64 KiB of blank
 * lines). CRLF is read as LF.
 */
function splitArmor(text: string): { header: string; body: string } {
  const begin = `-----BEGIN ${ENCRYPTED_KEY_LABEL}-----`;
  const end = `-----END ${ENCRYPTED_KEY_LABEL}-----`;
  const b = text.indexOf(begin);
  const e = b < 0 ? -1 : text.indexOf(end, b + begin.length);
  if (b < 0 || e < 0) malformed('armor not found');
  const inner = text.slice(b + begin.length, e).replace(/\r\n/g, '\n');
  if (!inner.startsWith('\n') || !inner.endsWith('\n')) malformed('armor not found');
  const content = inner.slice(1, -1);
  const sep = content.indexOf('\n\n');
  if (sep < 0) malformed('armor not found');
  const body = content.slice(sep + 2);
  if (!/^[A-Za-z0-9+/=\n]+$/.test(body)) malformed('body is not base64');
  return { header: content.slice(0, sep), body };
}

/**
 * Decrypts text made by {@link encryptCaKey}. A wrong passphrase (or any change to the file)
 * fails the GCM tag check and throws `ca_key_wrong_passphrase`.
 */
export function decryptCaKey(text: string, passphrase: string | Uint8Array): KeyObject {
  checkPassphrase(passphrase);
  if (typeof text !== 'string' || text.length > 64 * 1024) malformed('not text or too large');
  const { header, body: bodyText } = splitArmor(text);
  const fields = new Map<string, string>();
  for (const line of header.split('\n')) {
    const i = line.indexOf(': ');
    if (i < 0) malformed('bad header line');
    fields.set(line.slice(0, i), line.slice(i + 2));
  }
  if (fields.get('Format') !== FORMAT) malformed('unknown format');
  if (fields.get('Cipher') !== 'aes-256-gcm') malformed('unknown cipher');
  const kdf = /^scrypt N=(\d+) r=(\d+) p=(\d+)$/.exec(fields.get('KDF') ?? '');
  if (!kdf) malformed('unknown KDF');
  const [N, r, p] = [Number(kdf[1]), Number(kdf[2]), Number(kdf[3])];
  if (!scryptParamsOk(N, r, p)) malformed('scrypt parameters out of the accepted range');
  const salt = Buffer.from(fields.get('Salt') ?? '', 'base64');
  const iv = Buffer.from(fields.get('IV') ?? '', 'base64');
  if (salt.length < 16 || iv.length !== 12) malformed('bad salt or IV');
  const body = Buffer.from(bodyText.replace(/\n/g, ''), 'base64');
  if (body.length < 17) malformed('ciphertext too short');
  const key = deriveKey(passphrase, salt, N, r, p);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(header, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch (err) {
    throw new RapkiError('ca_key_wrong_passphrase', 'wrong passphrase for the CA key (or the key file was altered)', { cause: err });
  } finally {
    key.fill(0);
  }
  try {
    return createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new RapkiError('ca_key_malformed', 'the decrypted CA key is not a PKCS#8 private key', { cause: err });
  } finally {
    plain.fill(0);
  }
}
