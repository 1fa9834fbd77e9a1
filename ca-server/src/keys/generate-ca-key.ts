import { generateKeyPair, type KeyObject } from 'node:crypto';
import type { CaKeyType } from '../x509/types.js';

/** node:crypto key generation options per CA key type. */
const PARAMS: Record<CaKeyType, { type: 'ec'; namedCurve: string } | { type: 'rsa'; modulusLength: number }> = {
  'ec-p256': { type: 'ec', namedCurve: 'P-256' },
  'ec-p384': { type: 'ec', namedCurve: 'P-384' },
  'rsa-3072': { type: 'rsa', modulusLength: 3072 },
  'rsa-4096': { type: 'rsa', modulusLength: 4096 },
};

/** The CA key types, for validating `--key-type`. */
export const CA_KEY_TYPES = Object.freeze(Object.keys(PARAMS) as CaKeyType[]);

/**
 * Generates a CA key pair. Asynchronous (libuv thread pool) because RSA-4096 takes seconds and
 * must not block a server's event loop. RSA uses e = 65537.
 */
export function generateCaKey(type: CaKeyType): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const p = PARAMS[type];
  if (!p) return Promise.reject(new TypeError(`unknown CA key type ${String(type)}`));
  return new Promise((resolve, reject) => {
    const cb = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (err) reject(err);
      else resolve({ publicKey, privateKey });
    };
    if (p.type === 'ec') generateKeyPair('ec', { namedCurve: p.namedCurve }, cb);
    else generateKeyPair('rsa', { modulusLength: p.modulusLength, publicExponent: 0x10001 }, cb);
  });
}
