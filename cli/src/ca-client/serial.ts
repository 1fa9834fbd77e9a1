/**
 * Certificate serial numbers as people paste them (`openssl x509 -serial`, `-text`, browsers, our
 * JSON): the one serial grammar (common/src/x509/serial.ts, the contract's: hex in those forms,
 * positive, at most 20 octets, RFC 5280 §4.1.2.2), which the CA applies to the same path
 * parameter. `serial_invalid` otherwise, before anything is sent.
 */
import { parseSerial } from '../../../common/src/x509/serial.js';

export { parseSerial, type Serial } from '../../../common/src/x509/serial.js';

/** True when two serial spellings name the same certificate. */
export function sameSerial(a: string, b: string): boolean {
  try {
    return parseSerial(a).value === parseSerial(b).value;
  } catch {
    return false;
  }
}
