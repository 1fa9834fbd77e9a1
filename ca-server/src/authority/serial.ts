/**
 * Serial numbers as the CA's HTTP API and console take them: the one serial grammar
 * (`common/src/x509/serial.ts`: the forms people paste, RFC 5280 §4.1.2.2's 20 octets), with the
 * CA's wire code `invalid_serial` for text that is not a serial.
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
