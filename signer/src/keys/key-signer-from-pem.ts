import type { KeySigner } from '../types.js';
import { keySignerFromMaterial } from './key-material.js';

/** In-memory PEM inputs (e.g. from a secrets manager), see {@link keySignerFromPem}. */
export interface PemKeySource {
  /** Certificate PEM; may also hold the key, and further certificates (taken as chain). */
  readonly certificatePem: string;
  /** Private key PEM; omit when `certificatePem` holds the key. */
  readonly privateKeyPem?: string | undefined;
  /** PEM bundle of intermediates; CERTIFICATE blocks only. */
  readonly intermediatesPem?: string | undefined;
  /** Password of an encrypted PKCS#8 key. */
  readonly password?: string | undefined;
}

/**
 * A KeySigner from PEM strings instead of files (keys from memory, asked of the official helper in
 * aws/rolesanywhere-credential-helper#187). Same rules and errors as `loadKeySigner`.
 */
export function keySignerFromPem(src: PemKeySource): KeySigner {
  return keySignerFromMaterial({
    certificate: { text: src.certificatePem, source: 'certificatePem' },
    privateKey: src.privateKeyPem === undefined ? undefined : { text: src.privateKeyPem, source: 'privateKeyPem' },
    intermediates: src.intermediatesPem === undefined ? undefined : { text: src.intermediatesPem, source: 'intermediatesPem' },
    password: src.password,
  });
}
