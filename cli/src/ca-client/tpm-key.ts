/**
 * `rapki enroll --key tpm` and renewals of such a host: the key pair is generated INSIDE the TPM
 * (not duplicable, with or without a password), the CSR and the renewal's proof of possession are
 * signed there, and what is written to disk is a TSS2 key file ("ASN.1 Specification for TPM 2.0
 * Key Files", the format tpm2-openssl, tpm2-tss-engine and aws_signing_helper read): the public
 * area and the private area wrapped by the TPM's storage key, useless on any other machine.
 *
 * Written with the fields every reader knows (type, emptyAuth, parent, pubkey, privkey) and no
 * optional newer ones: aws_signing_helper's parser stops at unknown fields. Loaded lazily.
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { SignerError } from '../../../signer/src/entry/errors.js';
import * as tpm from '../../../signer/src/entry/tpm.js';
import { OID_LOADABLE_KEY, TSS2_PEM_LABEL, type TpmDeps, type TpmHostKeyType, type Tss2KeyFile } from '../../../signer/src/entry/tpm.js';
import { caClientError } from './errors.js';
import { DER_FALSE, DER_TRUE, explicit, integerFromNumber, octetString, oid, sequence } from '../../../common/src/der/writer.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import type { CsrSigner } from './csr.js';

/** Key types of `--key-type` as TPM templates. */
const TPM_TYPES: Readonly<Record<string, TpmHostKeyType>> = {
  'ec-p256': { ec: 'P-256' },
  'ec-p384': { ec: 'P-384' },
  'rsa-2048': { rsaBits: 2048 },
  'rsa-3072': { rsaBits: 3072 },
  'rsa-4096': { rsaBits: 4096 },
};

/** The PEM of a TSS2 key file for `kf` (its loadable-key fields). */
export function encodeTss2KeyFile(kf: Pick<Tss2KeyFile, 'emptyAuth' | 'parent' | 'public2b' | 'private2b'>): string {
  const der = sequence(
    oid(OID_LOADABLE_KEY),
    explicit(0, kf.emptyAuth ? DER_TRUE : DER_FALSE),
    integerFromNumber(kf.parent),
    octetString(kf.public2b),
    octetString(kf.private2b),
  );
  return derToPem(der, TSS2_PEM_LABEL);
}

/** A TPM host key as enrollment and renewal use it: a TSS2 key file, or a persistent key (`handle:`). */
export interface TpmHostKey {
  /** The key file (undefined for a persistent key). */
  readonly file: Tss2KeyFile | undefined;
  /** The TSS2 key file text to write (0600); '' for a persistent key. */
  readonly pem: string;
  /** The persistent handle, for `handle:` keys. */
  readonly handle?: number | undefined;
  readonly publicKey: KeyObject;
  readonly spki: Buffer;
  /** `--key-type` name of the key, to make the same type again at renewal. */
  readonly keyType: string | undefined;
  /** Signs with SHA-256 inside the TPM (CSR, proof of possession). */
  readonly signer: CsrSigner;
}

function keyTypeOf(publicKey: KeyObject): string | undefined {
  const d = publicKey.asymmetricKeyDetails;
  if (publicKey.asymmetricKeyType === 'ec') return d?.namedCurve === 'prime256v1' ? 'ec-p256' : d?.namedCurve === 'secp384r1' ? 'ec-p384' : undefined;
  if (publicKey.asymmetricKeyType === 'rsa') return TPM_TYPES[`rsa-${d?.modulusLength ?? 0}`] ? `rsa-${d?.modulusLength}` : undefined;
  return undefined;
}

/** A host key from its TSS2 key file text (`source` names it in messages). */
export async function tpmHostKeyFromPem(pem: string, source: string, password: string | undefined, deps: TpmDeps = {}): Promise<TpmHostKey> {
  const file = tpm.tss2KeyOf(pem, source);
  const auth = tpm.keyAuthValue(
    { tpmKeyPassword: password },
    {
      emptyAuth: file.emptyAuth,
      describe: `the TPM key file ${source}`,
      maxBytes: tpm.TPM_HASHES[file.publicArea.nameAlg]?.size ?? 64,
    },
  );
  const publicKey = tpm.publicKeyOf(file.publicArea);
  return {
    file,
    pem,
    handle: undefined,
    publicKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    keyType: keyTypeOf(publicKey),
    signer: { sign: (data) => tpm.signWithKeyFile(file, auth, data, 'sha256', `the TPM key file ${source}`, deps) },
  };
}

/**
 * Generates a `keyType` key in the TPM (with `password` as its authValue, or none) and checks it:
 * a test signature made inside the TPM must verify with the public key the TPM returned, so the key
 * file written and the public key in the CSR belong together.
 */
export async function generateTpmHostKey(keyType: string, password: string | undefined, deps: TpmDeps = {}): Promise<TpmHostKey> {
  const type = TPM_TYPES[keyType];
  if (type === undefined) throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(keyType)}`);
  const auth = Buffer.from(password ?? '', 'utf8');
  if (auth.length > 32)
    throw new tpm.TpmKeyError('tpm_key_password_too_long', `The TPM key password has ${auth.length} bytes; a TPM key with SHA-256 names takes at most 32.`);
  const created = await tpm.createTpmHostKey(type, auth, deps);
  const pem = encodeTss2KeyFile(created);
  const key = await tpmHostKeyFromPem(pem, 'the new TPM key', password === '' ? undefined : password, deps);
  const test = Buffer.from('rapki enroll TPM key check v1', 'utf8');
  if (!cryptoVerify('sha256', test, { key: key.publicKey, dsaEncoding: 'der' }, await key.signer.sign(test))) {
    throw new SignerError('key_certificate_mismatch', 'The key the TPM generated does not sign for the public key it returned.');
  }
  return key;
}

/**
 * The persistent key at `handle:0x81…` (its public area read from the TPM). Like the signer
 * commands: `noPassword` (--no-tpm-key-password) or a password is required.
 */
export async function tpmHostKeyAtHandle(handleText: string, password: string | undefined, noPassword: boolean, deps: TpmDeps = {}): Promise<TpmHostKey> {
  const handle = tpm.parseTpmHandle(handleText);
  const publicArea = await tpm.readPersistentPublic(handle, deps);
  const describe = `the TPM key at ${handleText.slice(handleText.indexOf(':') + 1)}`;
  if (publicArea === undefined) {
    throw new tpm.TpmKeyError(
      'tpm_handle_not_found',
      `There is no key at the persistent handle ${handleText}; list the persistent handles with tpm2_getcap handles-persistent.`,
    );
  }
  const auth = tpm.keyAuthValue(
    { tpmKeyPassword: password, noTpmKeyPassword: noPassword },
    {
      emptyAuth: undefined,
      describe,
      maxBytes: tpm.TPM_HASHES[publicArea.nameAlg]?.size ?? 64,
    },
  );
  const publicKey = tpm.publicKeyOf(publicArea);
  return {
    file: undefined,
    pem: '',
    handle,
    publicKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    keyType: keyTypeOf(publicKey),
    signer: { sign: (data) => tpm.signWithPersistentKey(handle, publicArea, auth, data, 'sha256', describe, deps) },
  };
}

/** Makes `key` (a new key's TSS2 key file) the persistent key at `handle`, evicting the old one. */
export async function replacePersistentKey(handle: number, key: TpmHostKey, deps: TpmDeps = {}): Promise<void> {
  if (key.file === undefined) throw new TypeError('replacePersistentKey needs a key file');
  await tpm.replacePersistentKey(handle, key.file, 'the new TPM key', deps);
}
