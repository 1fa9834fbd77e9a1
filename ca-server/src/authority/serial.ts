/**
 * Serial number text forms.
 *
 * Why: people paste serials as `openssl x509 -serial` prints them (`serial=0A1B…`), as browsers show
 * them (`0a:1b:…`) or as our API returns them. One canonical form — lower-case hex, no separators,
 * leading zero nibbles removed then padded to an even length — is used as the store key, in CRL
 * entries and on the wire. RFC 5280 §4.1.2.2: positive, at most 20 octets.
 */
import { caError } from '../errors.js';

const MAX_SERIAL_HEX = 40;

/** Canonical hex of a serial typed or pasted in any usual form; `serial_invalid` otherwise. */
export function normalizeSerial(input: string): string {
  let s = input.trim().toLowerCase();
  if (s.startsWith('serial=')) s = s.slice(7);
  if (s.startsWith('0x')) s = s.slice(2);
  s = s.replace(/[:\s-]/g, '');
  if (s.length === 0 || s.length > 2 * MAX_SERIAL_HEX || !/^[0-9a-f]+$/.test(s)) throw caError('serial_invalid');
  s = s.replace(/^0+/, '');
  if (s.length === 0) throw caError('serial_invalid', 'A serial number must be positive.');
  if (s.length % 2 === 1) s = `0${s}`;
  if (s.length > MAX_SERIAL_HEX) throw caError('serial_invalid');
  return s;
}

/** Canonical hex of DER INTEGER content bytes (sign byte dropped). */
export function serialHexFromBytes(bytes: Uint8Array): string {
  return normalizeSerial(Buffer.from(bytes).toString('hex'));
}
