/**
 * Key types a host may generate for its certificate, and how to make one with node:crypto.
 *
 * Why these: Roles Anywhere accepts RSA and EC end-entity keys (User Guide, "Signature validation";
 * rapki signs with P-256/P-384), and the CA's key policy refuses RSA below 2048 bits; the key is
 * created on the host and never leaves it (docs/host.md "Enroll").
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { caClientError } from './errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const HOST_KEY_TYPES = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];
export const DEFAULT_HOST_KEY_TYPE: HostKeyType = 'ec-p256';

export function isHostKeyType(s: string): s is HostKeyType {
  return (HOST_KEY_TYPES as readonly string[]).includes(s);
}

export interface HostKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Generate a fresh key pair of `type`. */
export async function generateHostKey(type: string): Promise<HostKeyPair> {
  switch (type) {
    case 'ec-p256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairAsync('ec', { namedCurve: 'P-384' });
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return generateKeyPairAsync('rsa', { modulusLength: Number(type.slice(4)), publicExponent: 0x10001 });
    default:
      throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(type)}; use one of ${HOST_KEY_TYPES.join(', ')}`);
  }
}

/** The key type of an existing private key, so `renew` keeps it unless told otherwise. */
export function keyTypeOf(key: KeyObject): HostKeyType | undefined {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') {
    if (d?.namedCurve === 'prime256v1' || d?.namedCurve === 'P-256') return 'ec-p256';
    if (d?.namedCurve === 'secp384r1' || d?.namedCurve === 'P-384') return 'ec-p384';
    return undefined;
  }
  if (key.asymmetricKeyType === 'rsa') {
    const t = `rsa-${d?.modulusLength ?? 0}`;
    return isHostKeyType(t) ? t : undefined;
  }
  return undefined;
}
