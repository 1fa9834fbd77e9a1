/**
 * Certificate serial numbers as people paste them.
 *
 * Why: operators copy serials from `openssl x509 -serial` (`serial=0A1B…`, upper case), from
 * `openssl x509 -text` (`0a:1b:…`), from browsers (`0A 1B …`) or from our own JSON (lower case).
 * All of them name the same positive INTEGER (RFC 5280 §4.1.2.2: positive, at most 20 octets), so
 * the CLI reduces every form to one canonical spelling before it talks to the server.
 */
import { caClientError } from './errors.js';

/** RFC 5280 §4.1.2.2: conforming serials are at most 20 octets (we allow a DER sign byte on top). */
const MAX_SERIAL_OCTETS = 21;

/** A parsed serial: its value and its canonical hex spelling. */
export interface Serial {
  readonly value: bigint;
  /** Lower-case hex, no separators, minimal number of whole octets (so always an even length). */
  readonly hex: string;
}

/**
 * Parse a serial given in hex in any common form: optional `serial=` prefix (as `openssl x509
 * -serial` prints), optional `0x`, upper or lower case, octets separated by `:`, spaces or `-`, with
 * or without leading zeros. Decimal is not accepted (ambiguous with hex); zero and negative values
 * are not serials.
 */
export function parseSerial(input: string): Serial {
  if (typeof input !== 'string') throw new TypeError('serial must be a string');
  let s = input.trim();
  if (s.length === 0 || s.length > 200) throw caClientError('serial_invalid');
  s = s.replace(/^serial\s*=\s*/i, '');
  s = s.replace(/^0x/i, '');
  const compact = s.replace(/[:\s-]/g, '');
  if (compact.length === 0 || !/^[0-9a-fA-F]+$/.test(compact)) throw caClientError('serial_invalid');
  // Separators, when present, must split octets (1 or 2 digits each), as every printer does.
  if (/[:\s-]/.test(s) && !s.split(/\s*[:-]\s*|\s+/).every((part) => /^[0-9a-fA-F]{1,2}$/.test(part))) {
    throw caClientError('serial_invalid');
  }
  const value = BigInt(`0x${compact}`);
  if (value <= 0n) throw caClientError('serial_invalid', 'a certificate serial must be positive');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (hex.length / 2 > MAX_SERIAL_OCTETS) throw caClientError('serial_invalid', 'a certificate serial has at most 20 octets');
  return { value, hex };
}

/** True when two serial spellings name the same certificate. */
export function sameSerial(a: string, b: string): boolean {
  try {
    return parseSerial(a).value === parseSerial(b).value;
  } catch {
    return false;
  }
}
