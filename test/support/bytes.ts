/**
 * Byte tampering for tests that check a signature or a tag catches a change: one helper so that
 * every such test flips bits the same way (and an index past the end fails loudly, not silently).
 */

/** XORs `mask` into the byte at `at` (negative counts from the end), in place. */
export function flipByte(bytes: Uint8Array, at: number, mask = 0x01): void {
  const i = at < 0 ? bytes.length + at : at;
  const b = bytes[i];
  if (b === undefined) throw new RangeError(`flipByte: index ${at} is outside ${bytes.length} bytes`);
  bytes[i] = b ^ mask;
}
