/**
 * Certificate serial numbers: the one grammar for serials people type or paste, and the byte-level
 * conversions between a serial's DER INTEGER content, its canonical hex and its decimal form.
 *
 * Why one module: the CA's store keys, CRL entries, URLs and the CLI's arguments must agree on what
 * a serial is. RFC 5280 §4.1.2.2: a serial is a positive INTEGER of at most 20 octets (the value;
 * a DER sign byte `00` in front of a value whose top bit is set does not count towards the 20).
 *
 * Dependency-free (no `node:crypto`): the signer reads serials on the credential-process start-up
 * path. Bad text throws {@link SerialError} (code `serial_invalid`).
 */
import { RapkiError } from '../errors.js';

/** RFC 5280 §4.1.2.2: a conforming serial has at most 20 octets. */
export const SERIAL_MAX_OCTETS = 20;

/** Longest serial text accepted from a person (a 20-octet serial with separators and a prefix fits easily). */
export const SERIAL_TEXT_MAX_CHARS = 200;

/** Serial text that is not a serial: code `serial_invalid`, the message says what is wrong. */
export class SerialError extends RapkiError {
  constructor(message: string) {
    super('serial_invalid', message);
  }
}

/** A parsed serial: its value and its canonical hex spelling. */
export interface Serial {
  readonly value: bigint;
  /**
   * Canonical form used everywhere (store keys, CRL entries, URLs, the wire): lower-case hex of
   * the unsigned value, no separators, minimal number of whole octets (so always an even length,
   * and never a leading `00`).
   */
  readonly hex: string;
}

const PREFIX = /^serial\s*=\s*/i;
const SEPARATOR = /[:\s-]/;
const HEX = /^[0-9a-fA-F]+$/;

/**
 * Parses a serial given in hex in any common form: an optional `serial=` prefix (as `openssl x509
 * -serial` prints it), an optional `0x`, upper or lower case, with or without leading zeros, and
 * optionally split by `:`, spaces or `-` (as `openssl x509 -text` prints octets, and other tools
 * groups of two octets). Separators never split an octet: every group after the first has an even
 * number of digits (the first may have lost a leading zero), so `12:345` and `ab::cd` are refused
 * rather than guessed at. Decimal is not accepted: it is ambiguous with hex. Zero, negative values
 * and values over 20 octets are refused.
 */
export function parseSerial(text: string): Serial {
  if (typeof text !== 'string') throw new TypeError('serial must be a string');
  let s = text.trim();
  if (s.length === 0) throw new SerialError('a serial number is required');
  if (s.length > SERIAL_TEXT_MAX_CHARS) throw new SerialError(`a serial number is at most ${SERIAL_TEXT_MAX_CHARS} characters`);
  s = s.replace(PREFIX, '').replace(/^0x/i, '');
  const compact = s.replace(/[:\s-]/g, '');
  if (compact.length === 0 || !/^[0-9a-fA-F]+$/.test(compact)) throw new SerialError('a serial number is hex (octets may be separated by colons)');
  if (SEPARATOR.test(s) && !s.split(/\s*[:-]\s*|\s+/).every((part, i) => HEX.test(part) && (i === 0 || part.length % 2 === 0))) {
    throw new SerialError('separators in a serial number must fall between octets (groups of whole octets)');
  }
  const value = BigInt(`0x${compact}`);
  if (value <= 0n) throw new SerialError('a certificate serial must be positive');
  const hex = evenHex(value);
  if (hex.length / 2 > SERIAL_MAX_OCTETS) throw new SerialError(`a certificate serial has at most ${SERIAL_MAX_OCTETS} octets`);
  return { value, hex };
}

/** The canonical hex of serial text in any form {@link parseSerial} accepts. */
export function normalizeSerialHex(text: string): string {
  return parseSerial(text).hex;
}

/**
 * Canonical hex of DER INTEGER content bytes (a leading sign byte `00` dropped). No length limit:
 * it also reads the serials of foreign, non-conforming certificates and CRLs.
 */
export function serialHexFromContent(content: Uint8Array): string {
  let k = 0;
  while (k < content.length - 1 && content[k] === 0) k++;
  return Buffer.from(content.subarray(k)).toString('hex');
}

/** DER INTEGER content bytes of serial text: canonical hex, plus a `00` when the top bit is set. */
export function serialContentFromHex(text: string): Uint8Array {
  const b = Buffer.from(normalizeSerialHex(text), 'hex');
  return b[0]! & 0x80 ? Buffer.concat([Buffer.of(0), b]) : b;
}

/**
 * Decimal text of DER INTEGER content bytes, as AWS SigV4 for Roles Anywhere puts the serial into
 * `Credential=` (Go's `big.Int.String()`). The octets are read as an unsigned big-endian
 * magnitude, so a sign byte never changes the value and the result never has a sign.
 */
export function serialToDecimal(content: Uint8Array): string {
  if (content.length === 0) throw new TypeError('empty serial number');
  let value = 0n;
  for (const byte of content) value = (value << 8n) | BigInt(byte);
  return value.toString(10);
}

/** Octets of a fresh random serial: 16, i.e. 126 random bits (RFC 5280 §4.1.2.2 allows up to 20). */
export const NEW_SERIAL_OCTETS = 16;

/**
 * A fresh random serial as DER INTEGER content bytes, from `randomBytes` (a CSPRNG, injected so
 * that this module stays free of `node:crypto`): 16 octets, top bit cleared so the value is
 * positive without a sign byte, first octet forced non-zero so the encoding is minimal and always
 * 16 octets (CA/Browser Forum Baseline Requirements §7.1 ask for at least 64 bits of CSPRNG output).
 */
export function newSerial(randomBytes: (n: number) => Uint8Array): Uint8Array {
  const b = Uint8Array.from(randomBytes(NEW_SERIAL_OCTETS));
  if (b.length !== NEW_SERIAL_OCTETS) throw new TypeError('randomBytes returned the wrong length');
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 0x40;
  return b;
}

function evenHex(value: bigint): string {
  const hex = value.toString(16);
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}
