import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { x509Error } from './errors.js';

/** Serial length in octets: 127 random bits, well above RFC 5280's >= 64 bits and <= 20 octets (§4.1.2.2). */
export const SERIAL_BYTES = 16;

/**
 * A fresh random certificate serial as DER INTEGER content bytes: 16 bytes, top bit cleared so the
 * value is positive without a sign byte, first byte forced non-zero so the encoding is minimal and
 * always 16 octets (CA/B Forum BR §7.1 asks for >= 64 bits of CSPRNG output; we keep 126).
 */
export function newSerial(randomBytes: (n: number) => Uint8Array = nodeRandomBytes): Uint8Array {
  const b = Uint8Array.from(randomBytes(SERIAL_BYTES));
  if (b.length !== SERIAL_BYTES) throw new TypeError('randomBytes returned the wrong length');
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 0x40;
  return b;
}

/**
 * Canonical serial text used everywhere in the CA (store keys, CRL entries, URLs): lower-case
 * hex of the unsigned value, even length, without a leading `00` sign byte.
 */
export function serialHexFromContent(content: Uint8Array): string {
  let k = 0;
  while (k < content.length - 1 && content[k] === 0) k++;
  return Buffer.from(content.subarray(k)).toString('hex');
}

/**
 * Normalises a serial as people paste it (upper/lower case, colons or spaces, leading zeros,
 * an optional `0x`, `serial=` as printed by `openssl x509 -serial`) to the canonical form.
 * Throws `serial_invalid`.
 */
export function normalizeSerialHex(text: string): string {
  if (typeof text !== 'string' || text.length > 200) throw x509Error('serial_invalid', 'serial must be hex text');
  let s = text.trim().replace(/^serial=/i, '').replace(/^0x/i, '').replace(/[:\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(s)) throw x509Error('serial_invalid', 'serial must be hex (colons allowed)');
  s = s.replace(/^0+/, '');
  if (s === '') throw x509Error('serial_invalid', 'serial must be positive');
  if (s.length % 2) s = `0${s}`;
  if (s.length > 40) throw x509Error('serial_invalid', 'serial longer than 20 octets');
  return s;
}

/** DER INTEGER content bytes of a canonical (or pasted) hex serial: adds a 00 when the top bit is set. */
export function serialContentFromHex(text: string): Uint8Array {
  const b = Buffer.from(normalizeSerialHex(text), 'hex');
  return b[0]! & 0x80 ? Buffer.concat([Buffer.of(0), b]) : b;
}
