/**
 * `rapki enroll --key pkcs11:…` (docs/host.md "Key on a PKCS#11 token"): the host key is generated ON
 * the PKCS#11 token (sensitive, non-extractable) and the CSR is signed there, so the private key
 * never exists outside the token — not even on this host's disk.
 *
 * The new key is opened by its URI with the same token-key code the CA uses for a token-held CA key
 * (`common/src/pkcs11/`), and a test signature is verified with the generated public key before the
 * CSR is signed: that proves the key the printed URI names is the one whose public key goes into the
 * CSR.
 *
 * Loaded only for `--key pkcs11:…` (pkcs11js is imported later still, when the module is opened).
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { SignerError } from '../../../signer/src/entry/errors.js';
import { caClientError } from './errors.js';
import { isHostKeyType } from './key-types.js';
import type { CsrSigner } from './csr.js';

const MATCH_TEST_PREFIX = 'rapki enroll PKCS#11 key match test v1';

export interface TokenKeyOptions {
  /** `--key`: a pkcs11: URI naming the token (and optionally object= and id= for the new key). */
  readonly uri: string;
  readonly keyType: string;
  /** `--pkcs11-lib`; default: the URI's module-path, else p11-kit-proxy. */
  readonly pkcs11Lib?: string | undefined;
  /** For RAPKI_PKCS11_PIN. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A fresh token key: its public key, a PIN-free URI for `--private-key`, and a CSR signer. */
export interface TokenKey {
  readonly spki: Uint8Array;
  readonly keyUri: string;
  readonly signer: CsrSigner;
  close(): Promise<void>;
}

/** Generates `keyType` on the token `uri` names and opens it for signing the CSR (SHA-256). */
export async function generateTokenKey(o: TokenKeyOptions): Promise<TokenKey> {
  if (!isHostKeyType(o.keyType)) throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(o.keyType)}`);
  const pkcs11 = await import('../../../signer/src/entry/pkcs11.js');
  const { openTokenKey } = await import('../../../common/src/pkcs11/token-key.js');
  const { tokenKeySigner } = await import('../../../common/src/pkcs11/token-key-signer.js');
  const given = pkcs11.parsePkcs11Uri(o.uri);
  if (given.type !== undefined && given.type !== 'private') {
    throw caClientError('flag_value_invalid', `--key ${pkcs11.redactPin(o.uri)}: type=${given.type} cannot name a new private key; leave type out`);
  }
  const generated = await pkcs11.generatePkcs11KeyPair(o.uri, o.keyType, { pkcs11Lib: o.pkcs11Lib }, undefined, { env: o.env });
  // Open the new key with the PIN the user gave: pin-source is kept in the URI, a pin-value is
  // passed as the environment fallback so that it never appears in a URI we build.
  const keyUri = pkcs11.parsePkcs11Uri(generated.keyUri);
  const openUri = pkcs11.formatPkcs11Uri({ ...keyUri, pinSource: given.pinSource });
  const env = given.pinValue !== undefined ? { ...o.env, [pkcs11.ENV_PKCS11_PIN]: given.pinValue } : o.env;
  const key = await openTokenKey(openUri, { pkcs11Lib: o.pkcs11Lib }, undefined, { env });
  try {
    const sign = tokenKeySigner(key, 'sha256');
    const test = Buffer.concat([Buffer.from(MATCH_TEST_PREFIX, 'utf8'), createHash('sha256').update(generated.spki).digest()]);
    const publicKey = createPublicKey({ key: Buffer.from(generated.spki), format: 'der', type: 'spki' });
    if (!cryptoVerify('sha256', test, { key: publicKey, dsaEncoding: 'der' }, await sign(test))) {
      throw new SignerError('key_certificate_mismatch', `The key opened through ${pkcs11.redactPin(openUri)} is not the key just generated.`);
    }
    return { spki: generated.spki, keyUri: generated.keyUri, signer: { sign }, close: () => key.close() };
  } catch (err) {
    await key.close();
    throw err;
  }
}
