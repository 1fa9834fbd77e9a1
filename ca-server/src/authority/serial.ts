/**
 * Serial numbers as the CA's HTTP API and console take them: the one serial grammar
 * (`common/src/x509/serial.ts`: the forms people paste, RFC 5280 §4.1.2.2's 20 octets), with the
 * CA's wire code `invalid_serial` for text that is not a serial.
 */
import { normalizeSerialHex, SerialError } from '../../../common/src/x509/serial.js';
import { caError } from '../errors.js';

/** Canonical hex of a serial typed or pasted in any usual form; `invalid_serial` otherwise. */
export function normalizeSerial(input: string): string {
  try {
    return normalizeSerialHex(input);
  } catch (err) {
    if (err instanceof SerialError) throw caError('invalid_serial');
    throw err;
  }
}
