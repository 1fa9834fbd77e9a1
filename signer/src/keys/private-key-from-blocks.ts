import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ENV_PKCS8_PASSWORD } from '../constants.js';
import { SignerError } from '../errors.js';
import type { PemBlock } from '../../../common/src/x509/pem.js';

/** PEM labels of private keys and the DER structure each holds (RFC 7468 §10–11, RFC 5915, RFC 8017). */
const KEY_TYPES: Readonly<Record<string, 'pkcs8' | 'pkcs1' | 'sec1'>> = {
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};

/** Labels of keys we recognise but refuse (so the message can say what the file is). */
const REFUSED_KEY_LABELS: Readonly<Record<string, string>> = {
  'DSA PRIVATE KEY': 'a DSA key; Roles Anywhere supports RSA and EC keys only',
  'OPENSSH PRIVATE KEY': 'an OpenSSH-format key; convert it with `ssh-keygen -p -m PKCS8 -f FILE` (RSA/EC keys only)',
  'TSS2 PRIVATE KEY': 'a TPM key; TPM keys are not supported by rapki',
};

/** True for any block that is a private key of any kind. */
export function isPrivateKeyBlock(block: PemBlock): boolean {
  return block.label in KEY_TYPES || block.label in REFUSED_KEY_LABELS || block.label.endsWith('PRIVATE KEY');
}

/**
 * Decodes the private key among `blocks` (other blocks such as CERTIFICATE or EC PARAMETERS are
 * skipped) with node:crypto, which reads PKCS#8, PKCS#1, SEC1 and encrypted PKCS#8 (PBES2 with
 * PBKDF2 or scrypt). Returns undefined when there is no key block.
 *
 * Refused with coded errors: legacy OpenSSL PEM encryption (`Proc-Type: 4,ENCRYPTED`, an MD5-based
 * KDF the helper refuses too), an encrypted key without password, a wrong password, two keys.
 * Messages never contain key bytes or the password.
 */
export function privateKeyFromBlocks(blocks: readonly PemBlock[], password: string | undefined, source: string): KeyObject | undefined {
  const keyBlocks = blocks.filter(isPrivateKeyBlock);
  if (keyBlocks.length === 0) return undefined;
  if (keyBlocks.length > 1) {
    throw new SignerError('multiple_private_keys', `${source} holds ${keyBlocks.length} private keys; keep exactly one.`);
  }
  const block = keyBlocks[0] as PemBlock;
  const refused = REFUSED_KEY_LABELS[block.label];
  if (refused !== undefined) {
    throw new SignerError(block.label === 'DSA PRIVATE KEY' ? 'unsupported_key_type' : 'unparsable_private_key', `${source} holds ${refused}.`);
  }
  if ((block.headers['Proc-Type'] ?? '').includes('ENCRYPTED')) {
    throw new SignerError(
      'legacy_encrypted_pem',
      `${source} uses legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED), which is weak and not supported; ` +
        'convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW` and pass the password with --pkcs8-password-file or ' +
        `${ENV_PKCS8_PASSWORD}.`,
    );
  }
  const type = KEY_TYPES[block.label];
  if (type === undefined) {
    throw new SignerError(
      'unparsable_private_key',
      `${source} holds a "${block.label}" block, which is not a supported private key format (PKCS#8, PKCS#1, SEC1).`,
    );
  }
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY';
  if (encrypted && (password === undefined || password.length === 0)) {
    throw new SignerError(
      'encrypted_key_needs_password',
      `${source} holds an encrypted PKCS#8 key; give its password with --pkcs8-password-file FILE or the ${ENV_PKCS8_PASSWORD} environment variable.`,
    );
  }
  try {
    return createPrivateKey(encrypted ? { key: block.der, format: 'der', type, passphrase: password as string } : { key: block.der, format: 'der', type });
  } catch (err) {
    if (encrypted) {
      throw new SignerError('wrong_key_password', `The password does not decrypt the encrypted PKCS#8 key in ${source} (or the key is corrupt).`, {
        cause: stripped(err),
      });
    }
    throw new SignerError('unparsable_private_key', `${source}: the ${block.label} block is not a valid key.`, { cause: stripped(err) });
  }
}

/** OpenSSL errors carry no key bytes, but keep only code and message to be sure. */
function stripped(err: unknown): Error {
  const e = err as { code?: unknown; message?: unknown };
  return new Error(`${String(e.code ?? 'error')}: ${String(e.message ?? '')}`);
}
