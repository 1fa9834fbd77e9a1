/**
 * The Authorization header value (User Guide, "Signing process", Task 4), with the helper's exact separators:
 * `{algorithm} Credential={serial}/{scope}, SignedHeaders={list}, Signature={hex}`.
 * `serialDecimal` is the certificate serial in decimal (see `serialToDecimal` in `common/src/x509/serial.ts`).
 */
export function authorizationHeader(algorithm: string, serialDecimal: string, scope: string, signedHeaders: string, signature: Uint8Array): string {
  const hex = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('hex');
  return `${algorithm} Credential=${serialDecimal}/${scope}, SignedHeaders=${signedHeaders}, Signature=${hex}`;
}
