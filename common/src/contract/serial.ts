/**
 * The grammar of certificate serials in requests (`POST /v1/admin/certificates/{serial}/revoke`)
 * and on the command line (`rapki cert revoke SERIAL`): the one serial grammar of
 * common/src/x509/serial.ts (hex in the forms people paste, positive, at most 20 octets, RFC 5280
 * §4.1.2.2), with the canonical lower-case hex as the value both sides use.
 */
import type { NameCheck } from '../name-policy.js';
import { parseSerial } from '../x509/serial.js';

/** Canonical hex of a serial, or why the text is not one. */
export function checkSerial(text: unknown): NameCheck<string> {
  if (typeof text !== 'string') return { ok: false, reason: 'a serial number is hex text' };
  try {
    return { ok: true, value: parseSerial(text).hex };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
