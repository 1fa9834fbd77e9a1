/**
 * The CA server's TLS parameters, in one place for the listening server and for every later
 * `setSecureContext` (certificate renewal, CA rotation): a context built elsewhere would silently
 * fall back to node's defaults, which offer CBC and CCM8 suites on TLS 1.2.
 *
 * TLS 1.2 and 1.3 only. On TLS 1.2 only AEAD suites with forward secrecy: ECDHE with AES-GCM or
 * ChaCha20-Poly1305 (RFC 9325 §4.2, "SHOULD" list; no CBC, no CCM/CCM8, no static RSA or DHE key
 * exchange). TLS 1.3 suites are all AEAD with ephemeral keys; CCM8 stays off (node's default).
 */
import type { SecureContextOptions, SecureVersion } from 'node:tls';

export const TLS_MIN_VERSION: SecureVersion = 'TLSv1.2';

export const TLS_CIPHERS = [
  // TLS 1.3
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  // TLS 1.2: the server certificate is EC, the RSA variants serve an RSA one the same way.
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Key, certificate chain and client-certificate CAs, with the fixed parameters above. */
export function secureContextOptions(o: { readonly key: string; readonly cert: string; readonly clientCa: string }): SecureContextOptions {
  return { key: o.key, cert: o.cert, ca: o.clientCa, minVersion: TLS_MIN_VERSION, ciphers: TLS_CIPHERS, honorCipherOrder: true };
}
