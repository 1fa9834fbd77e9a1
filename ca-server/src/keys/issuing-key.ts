/**
 * Opens a CA key from the store together with its certificate: the ISSUING one (it signs leaves
 * and CRLs: the intermediate's, or the root's when the root issues), the ROOT one, or any other CA
 * certificate whose key the store still holds (a rotation's next CA, a retired intermediate whose
 * CRL is kept). From the encrypted key with the passphrase, or on the PKCS#11 token the store names
 * (the PIN from the URI's pin-source or RAPKI_PKCS11_PIN).
 *
 * Why one place: `ca serve` signs certificates and CRLs with the issuing key, `ca backup` signs the
 * backup manifest with the root key (docs/operations.md "Backup and restore"), a rotation signs
 * with the next CA's and a kept CRL with a retired one's; every one refuses a key that does not
 * match its certificate.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import type { Pkcs11Deps, Pkcs11FileIo } from '../../../common/src/pkcs11/module-path.js';
import type { IssuerContext } from '../authority/issuer.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { caError } from '../errors.js';
import type { CaStore } from '../store/ca-store.js';
import type { CaState } from '../store/types.js';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import type { CaSigner } from '../x509/types.js';
import { caSignerFromPrivateKey } from './ca-signer.js';
import { decryptCaKey } from './key-encryption.js';
import { openPkcs11CaSigner, type Pkcs11CaSigner } from './pkcs11-ca-signer.js';

export interface OpenCaKeyOptions {
  readonly store: CaStore;
  /** The CA state read from the store (its certificates and configuration). */
  readonly state: CaState;
  /** Opens encrypted keys; unused for a key on a PKCS#11 token. */
  readonly passphrase: string;
  /** PIN lookup edges for a token-held key (default: process.env RAPKI_PKCS11_PIN, the real module). */
  readonly pkcs11?: { readonly io?: Pkcs11FileIo; readonly deps?: Pkcs11Deps } | undefined;
  /** Which key: the issuing one (default), the root, or the CA certificate with this id. */
  readonly which?: 'issuing' | 'root' | { readonly id: string } | undefined;
}

/** Compatibility name of {@link OpenCaKeyOptions} (`which` issuing or root). */
export type OpenIssuingKeyOptions = OpenCaKeyOptions;

export interface OpenedIssuingKey {
  readonly issuer: IssuerContext;
  /** Ends a token session (no-op for a file key). */
  close(): Promise<void>;
}

/**
 * Reads the certificate and the root it chains to from the state, and opens its key
 * (`passphrase_invalid` for a wrong passphrase, `ca_config_invalid` when the key does not match the
 * certificate or is gone).
 */
export async function openIssuingKey(o: OpenCaKeyOptions): Promise<OpenedIssuingKey> {
  const cfg = o.state.config;
  if (!cfg) throw caError('ca_not_found');
  const id = o.which === undefined || o.which === 'issuing' ? cfg.issuerId : o.which === 'root' ? cfg.rootId : o.which.id;
  const cert = o.state.certificates.find((c) => c.id === id);
  if (!cert) throw caError('ca_config_invalid', `The store holds no CA certificate ${id.slice(0, 16)}….`);
  // A root is its own root; an intermediate (current, next or retired) chains to the current root.
  const rootRec = cert.role === 'root' ? cert : o.state.certificates.find((c) => c.id === cfg.rootId);
  if (!rootRec) throw caError('ca_config_invalid', 'The store holds no root certificate.');
  if (sha256Fingerprint(cert.der) !== cert.id || sha256Fingerprint(rootRec.der) !== rootRec.id)
    throw caError('ca_config_invalid', 'A CA certificate in the store does not match its id.');
  const key = await o.store.getCaKey(id);
  if (!key)
    throw caError('ca_config_invalid', `The key of the CA certificate ${id.slice(0, 16)}… is not in the store (it was deleted when it was no longer needed).`);
  const decoded = decodeCertificate(cert.der);
  let signer: CaSigner;
  /** A token-held key: signed on this thread's session, closed with the CA. */
  let tokenSigner: Pkcs11CaSigner | undefined;
  if (key.kind === 'pkcs11') {
    // A PIN is never stored (it comes from pin-source or RAPKI_PKCS11_PIN at every start).
    if (/[?;&]pin-value=/i.test(key.value) || key.value.length > 4096)
      throw caError('ca_config_invalid', 'The store names a PKCS#11 key URI with a PIN in it; a PIN is never stored.');
    // Checks the token key against the certificate with a test signature (ca_config_invalid if not).
    tokenSigner = await openPkcs11CaSigner({
      keyUri: key.value,
      publicKeySpki: decoded.spki,
      pkcs11Lib: cfg.pkcs11Module ?? undefined,
      io: o.pkcs11?.io,
      deps: o.pkcs11?.deps,
    });
    signer = tokenSigner;
  } else {
    if (!o.passphrase) throw caError('passphrase_required', 'The CA key is encrypted: set RAPKI_CA_PASSPHRASE or pass --passphrase-file.');
    let k;
    try {
      k = decryptCaKey(key.value, o.passphrase);
    } catch (err) {
      if (isRapkiError(err) && err.code === 'ca_key_wrong_passphrase') throw caError('passphrase_invalid', undefined, { cause: err });
      throw err;
    }
    signer = caSignerFromPrivateKey(k);
  }
  if (Buffer.compare(Buffer.from(decoded.spki), Buffer.from(signer.publicKeySpki)) !== 0) {
    await tokenSigner?.close();
    throw caError('ca_config_invalid', 'The CA key does not match its certificate.');
  }
  return {
    issuer: {
      certificate: cert.der,
      signer,
      id,
      notAfter: decoded.notAfter,
      root: rootRec.der,
      intermediates: cert.role === 'root' ? [] : [cert.der],
    },
    close: async () => {
      await tokenSigner?.close();
    },
  };
}
