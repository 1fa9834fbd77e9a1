/**
 * A {@link CaSigner} whose private key stays on a PKCS#11 token (`rapki ca init --key pkcs11:…`,
 * docs/ca-api.md). The key never leaves the token: certificates and CRLs are hashed here and the
 * token signs — CKM_ECDSA over SHA-256 (P-256) / SHA-384 (P-384) with r||s turned into DER
 * (RFC 5758 §3.2, RFC 3279 §2.2.3), CKM_SHA256_RSA_PKCS for RSA (RFC 8017 §8.2; raw CKM_RSA_PKCS
 * over a DigestInfo when the token offers only that).
 *
 * Threads: the token session belongs to the main thread (the module is initialized once per
 * process, PKCS#11 v2.40 §5.4), so this signer is `offloadable: false` — the X.509 worker thread
 * (`authority/x509-offload.ts`) only parses CSRs and lints; every signature is made here, through
 * C_SignAsync on the libuv pool.
 *
 * Before the signer is handed out a test string is signed and verified with the expected public
 * key (from `ca.json`'s certificate or the key generation), so that a URI naming another key fails
 * at start with `ca_config_invalid` instead of producing certificates nobody can verify.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { CKK_EC } from '../../../common/src/pkcs11/constants.js';
import type { Pkcs11Deps, Pkcs11FileIo } from '../../../common/src/pkcs11/module-path.js';
import { openTokenKey } from '../../../common/src/pkcs11/token-key.js';
import { tokenKeySigner } from '../../../common/src/pkcs11/token-key-signer.js';
import { redactPin } from '../../../common/src/pkcs11/uri.js';
import { caError } from '../errors.js';
import type { CaSigner } from '../x509/types.js';
import { caKeyTypeOf } from './ca-signer.js';

/** A token-held CA signer; `close()` ends the token session. */
export interface Pkcs11CaSigner extends CaSigner {
  /** The key's URI as recorded in `ca.json` (never with a PIN). */
  readonly keyUri: string;
  /** The key lives in this thread's PKCS#11 session: never hand it to a worker thread. */
  readonly offloadable: false;
  close(): Promise<void>;
}

export interface OpenPkcs11CaSignerOptions {
  readonly keyUri: string;
  /** DER SubjectPublicKeyInfo the token key must match. */
  readonly publicKeySpki: Uint8Array;
  /** `--pkcs11-lib` (else `module-path` in the URI, else p11-kit-proxy). */
  readonly pkcs11Lib?: string | undefined;
  readonly io?: Pkcs11FileIo | undefined;
  readonly deps?: Pkcs11Deps | undefined;
}

const TEST_PREFIX = 'rapki CA PKCS#11 key match test v1';

/** Opens the token key and checks it against `publicKeySpki`. */
export async function openPkcs11CaSigner(o: OpenPkcs11CaSignerOptions): Promise<Pkcs11CaSigner> {
  const pub = createPublicKey({ key: Buffer.from(o.publicKeySpki), format: 'der', type: 'spki' });
  // caKeyTypeOf wants a key object with details; the public key has the same ones.
  const keyType = caKeyTypeOf(pub);
  const key = await openTokenKey(o.keyUri, { pkcs11Lib: o.pkcs11Lib }, o.io, o.deps);
  try {
    const isEc = keyType === 'ec-p256' || keyType === 'ec-p384';
    if ((key.keyType === CKK_EC) !== isEc) {
      throw caError(
        'ca_config_invalid',
        `The token key ${redactPin(o.keyUri)} is ${key.keyType === CKK_EC ? 'EC' : 'RSA'}, but the CA certificate holds a ${keyType} key.`,
      );
    }
    const hash = keyType === 'ec-p384' ? 'sha384' : 'sha256';
    const sign = tokenKeySigner(key, hash);
    const test = Buffer.concat([Buffer.from(TEST_PREFIX, 'utf8'), createHash('sha256').update(o.publicKeySpki).digest()]);
    const sig = await sign(test);
    if (!cryptoVerify(hash, test, { key: pub, dsaEncoding: 'der' }, sig)) {
      throw caError('ca_config_invalid', `The token key ${redactPin(o.keyUri)} does not match the CA certificate (a test signature did not verify).`);
    }
    return Object.freeze({
      keyType,
      publicKeySpki: Uint8Array.from(o.publicKeySpki),
      signatureAlgorithm: keyType === 'ec-p256' ? 'ecdsa-with-SHA256' : keyType === 'ec-p384' ? 'ecdsa-with-SHA384' : 'sha256WithRSAEncryption',
      sign,
      keyUri: o.keyUri,
      offloadable: false,
      close: () => key.close(),
    } as const);
  } catch (err) {
    await key.close();
    throw err;
  }
}
