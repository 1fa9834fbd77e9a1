/**
 * Temporary credentials in the real formats (IAM User Guide, "IAM identifiers": `ASIA` is temporary):
 * access key `ASIA` + 16 base32 characters, 40-character secret from the base64 alphabet, opaque
 * session token. Only the SHA-256 of the token is kept.
 */
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function fromAlphabet(alphabet: string, bytes: Buffer): string {
  // Alphabet lengths are powers of two, so `byte % length` is unbiased.
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface MintedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export function mintCredentials(randomBytes: (n: number) => Buffer): MintedCredentials {
  return {
    accessKeyId: `ASIA${fromAlphabet(BASE32, randomBytes(16))}`,
    secretAccessKey: fromAlphabet(B64, randomBytes(40)),
    // Real tokens start with `IQoJb3JpZ2luX2Vj` ("\x21\x0a\x09origin_ec"); the rest is opaque.
    sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(384).toString('base64')}`,
  };
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** `AROA` + 17 base32 characters derived from the role ARN (stable per role). */
export function roleId(roleArn: string): string {
  return `AROA${fromAlphabet(BASE32, createHash('sha256').update(roleArn).digest().subarray(0, 17))}`;
}
