/**
 * Opens a CA key together with its certificate: the ISSUING one (it signs leaves and CRLs: the
 * intermediate's, or the root's when the root issues), or the ROOT one. From the encrypted key
 * file with the passphrase, or on the PKCS#11 token `ca.json` names (the PIN from the URI's
 * pin-source or RAPKI_PKCS11_PIN).
 *
 * Why one place: `ca serve` signs certificates and CRLs with the issuing key, and `ca backup` signs
 * the backup manifest with the root key (docs/operations.md "Backup and restore"), so a token-held
 * CA works for both and both refuse a key that does not match its certificate.
 */
import { readFileSync } from 'node:fs';
import { isRapkiError } from '../../../common/src/errors.js';
import type { Pkcs11Deps, Pkcs11FileIo } from '../../../common/src/pkcs11/module-path.js';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { pemToDer } from '../../../common/src/x509/pem.js';
import type { IssuerContext } from '../authority/issuer.js';
import { caPaths, type CaDirConfig } from '../ca-dir.js';
import { caError } from '../errors.js';
import type { CaSigner } from '../x509/types.js';
import { caSignerFromPrivateKey } from './ca-signer.js';
import { decryptCaKey } from './key-encryption.js';
import { openPkcs11CaSigner, type Pkcs11CaSigner } from './pkcs11-ca-signer.js';

export interface OpenIssuingKeyOptions {
  readonly dir: string;
  readonly config: CaDirConfig;
  /** Opens the key files; unused when `ca.json` puts the keys on a PKCS#11 token. */
  readonly passphrase: string;
  /** PIN lookup edges for a token-held key (default: process.env RAPKI_PKCS11_PIN, the real module). */
  readonly pkcs11?: { readonly io?: Pkcs11FileIo; readonly deps?: Pkcs11Deps } | undefined;
  /** Which key: the issuing one (default) or the root. */
  readonly which?: 'issuing' | 'root' | undefined;
}

export interface OpenedIssuingKey {
  readonly issuer: IssuerContext;
  /** Ends a token session (no-op for a file key). */
  close(): Promise<void>;
}

/**
 * Reads the root and issuing certificates, checks the root against `ca.json`'s fingerprint
 * (`ca_config_invalid`), and opens the issuing key (`passphrase_invalid` for a wrong passphrase,
 * `ca_config_invalid` when the key does not match the certificate).
 */
export async function openIssuingKey(o: OpenIssuingKeyOptions): Promise<OpenedIssuingKey> {
  const { config } = o;
  const p = caPaths(o.dir);
  const rootDer = pemToDer(readFileSync(p.rootCert, 'utf8'), 'CERTIFICATE');
  if (sha256Fingerprint(rootDer) !== config.fingerprint) throw caError('ca_config_invalid', 'root.pem does not match the fingerprint in ca.json.');
  const viaIntermediate = config.intermediate && o.which !== 'root';
  const issuingDer = viaIntermediate ? pemToDer(readFileSync(p.intermediateCert, 'utf8'), 'CERTIFICATE') : rootDer;
  const decoded = decodeCertificate(issuingDer);
  let signer: CaSigner;
  /** A token-held key (ca.json `pkcs11`): signed on this thread's session, closed with the CA. */
  let tokenSigner: Pkcs11CaSigner | undefined;
  if (config.pkcs11) {
    const keyUri = viaIntermediate ? config.pkcs11.intermediateKey : config.pkcs11.rootKey;
    if (keyUri === undefined) throw caError('ca_config_invalid', 'ca.json names no PKCS#11 key for the issuing certificate.');
    // Checks the token key against the certificate with a test signature (ca_config_invalid if not).
    tokenSigner = await openPkcs11CaSigner({ keyUri, publicKeySpki: decoded.spki, pkcs11Lib: config.pkcs11.module, io: o.pkcs11?.io, deps: o.pkcs11?.deps });
    signer = tokenSigner;
  } else {
    let key;
    try {
      key = decryptCaKey(readFileSync(viaIntermediate ? p.intermediateKey : p.rootKey, 'utf8'), o.passphrase);
    } catch (err) {
      if (isRapkiError(err) && err.code === 'ca_key_wrong_passphrase') throw caError('passphrase_invalid', undefined, { cause: err });
      throw err;
    }
    signer = caSignerFromPrivateKey(key);
  }
  if (Buffer.compare(Buffer.from(decoded.spki), Buffer.from(signer.publicKeySpki)) !== 0) {
    await tokenSigner?.close();
    throw caError('ca_config_invalid', 'The issuing key does not match the issuing certificate.');
  }
  return {
    issuer: {
      certificate: issuingDer,
      signer,
      id: sha256Fingerprint(issuingDer),
      notAfter: decoded.notAfter,
      root: rootDer,
      intermediates: viaIntermediate ? [issuingDer] : [],
    },
    close: async () => {
      await tokenSigner?.close();
    },
  };
}
