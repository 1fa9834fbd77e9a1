/**
 * Serial number text forms.
 *
 * Why: people paste serials as `openssl x509 -serial` prints them (`serial=0A1B…`), as browsers show
 * them (`0a:1b:…`) or as our API returns them. One canonical form — lower-case hex, no separators,
 * leading zero nibbles removed then padded to an even length — is used as the store key, in CRL
 * entries and on the wire. RFC 5280 §4.1.2.2: positive, at most 20 octets.
 */
import { checkSerial } from '../../../common/src/contract/serial.js';
import { caError } from '../errors.js';

/**
 * Canonical hex of a serial typed or pasted in any usual form: the contract's grammar
 * (common/src/contract/serial.ts), the one the CLI checks with; `serial_invalid` otherwise.
 */
export function normalizeSerial(input: string): string {
  const r = checkSerial(input);
  if (!r.ok) throw caError('serial_invalid', `The serial number is not valid: ${r.reason}.`);
  return r.value;
}

/** Canonical hex of DER INTEGER content bytes (sign byte dropped). */
export function serialHexFromBytes(bytes: Uint8Array): string {
  return normalizeSerial(Buffer.from(bytes).toString('hex'));
}
