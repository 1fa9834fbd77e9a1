/**
 * `rapki enroll --key pkcs11:…` (issue 6, point 5): the host key is generated ON the PKCS#11 token
 * (sensitive, non-extractable) and the CSR is signed there, so the private key never exists outside
 * the token — not even on this host's disk.
 *
 * The signer's PKCS#11 KeySigner is made for a key *with* its certificate: it opens the key named by
 * a URI and, before handing the signer out, signs a test string on the token and verifies it with
 * the certificate's public key. Before enrollment there is no certificate yet, so this module gives
 * the loader an in-memory stand-in certificate that carries the token's new public key (never
 * written, never sent, its own signature meaningless). That check then proves something useful: the
 * key the printed URI names is the one whose public key goes into the CSR.
 *
 * Loaded only for `--key pkcs11:…`: it pulls in the signer's PKCS#11 code (pkcs11js is imported
 * later still, when the module is opened).
 */
import { createPublicKey } from 'node:crypto';
import { bitString, integer, nullValue, oid, sequence, tlv } from './der.js';
import { caClientError } from './errors.js';
import { isHostKeyType } from './key-types.js';
import type { CsrSigner } from './csr.js';

/** Where the stand-in certificate "lives" for the injected file reader; never a real path. */
const STAND_IN_PATH = '<rapki enroll: token public key>';

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

/**
 * A minimal X.509 v3 certificate (RFC 5280 §4.1) around `spki`, only for the key loader's match
 * check: empty names, fixed dates, a zero signature.
 */
function standInCertificate(spki: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const algId = key.asymmetricKeyType === 'rsa' ? sequence(oid('1.2.840.113549.1.1.11'), nullValue()) : sequence(oid('1.2.840.10045.4.3.2'));
  const time = (s: string): Buffer => tlv(0x17, Buffer.from(s, 'ascii'));
  const tbs = sequence(
    tlv(0xa0, integer(2)),
    integer(1),
    algId,
    sequence(),
    sequence(time('000101000000Z'), time('491231235959Z')),
    sequence(),
    Buffer.from(spki),
  );
  return sequence(tbs, algId, bitString(Buffer.alloc(8)));
}

/** Generates `keyType` on the token `uri` names and opens it for signing the CSR. */
export async function generateTokenKey(o: TokenKeyOptions): Promise<TokenKey> {
  if (!isHostKeyType(o.keyType)) throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(o.keyType)}`);
  const pkcs11 = await import('../../../signer/src/keys/pkcs11/index.js');
  const given = pkcs11.parsePkcs11Uri(o.uri);
  if (given.type !== undefined && given.type !== 'private') {
    throw caClientError('usage', `--key ${pkcs11.redactPin(o.uri)}: type=${given.type} cannot name a new private key; leave type out`);
  }
  const deps = { env: o.env };
  const generated = await pkcs11.generatePkcs11KeyPair(o.uri, o.keyType, { pkcs11Lib: o.pkcs11Lib }, undefined, deps);
  // Open the new key with the PIN the user gave: pin-source is kept in the URI, a pin-value is
  // passed as the environment fallback so that it never appears in a URI we build.
  const keyUri = pkcs11.parsePkcs11Uri(generated.keyUri);
  const openUri = pkcs11.formatPkcs11Uri({ ...keyUri, pinSource: given.pinSource });
  const env = given.pinValue !== undefined ? { ...o.env, [pkcs11.ENV_PKCS11_PIN]: given.pinValue } : o.env;
  const standIn = standInCertificate(generated.spki);
  const signer = await pkcs11.loadPkcs11KeySigner(
    { certificate: STAND_IN_PATH, privateKey: openUri, pkcs11Lib: o.pkcs11Lib },
    {
      readFile: async (path) => {
        if (path === STAND_IN_PATH) return standIn;
        throw Object.assign(new Error(`unexpected read of ${path}`), { code: 'ENOENT' });
      },
    },
    { env },
  );
  return {
    spki: generated.spki,
    keyUri: generated.keyUri,
    signer: { sign: (data) => signer.sign(data) },
    close: async () => signer.close?.(),
  };
}
