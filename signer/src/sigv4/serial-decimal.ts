/**
 * Certificate serial → decimal string for `Credential=` (signer-spec.md §1.5: Go
 * `big.Int.String()`). Input: the content octets of the DER INTEGER (RFC 5280 §4.1.2.2 — positive,
 * at most 20 octets, so a serial with the high bit set carries a leading 0x00 octet). The octets are
 * read as an unsigned big-endian magnitude, so leading zero octets never change the value and the
 * result never has a sign.
 */
export function serialToDecimal(serialDer: Uint8Array): string {
  if (serialDer.length === 0) throw new TypeError('empty serial number');
  let value = 0n;
  for (const byte of serialDer) value = (value << 8n) | BigInt(byte);
  return value.toString(10);
}

/** Same for a hex string as `crypto.X509Certificate#serialNumber` returns it. */
export function serialHexToDecimal(hex: string): string {
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new TypeError('serial must be hex');
  return BigInt('0x' + hex).toString(10);
}
