import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeCertificate, findExtension, subjectKeyIdOf } from '../../../common/src/x509/certificate.js';
import { OID } from './constants.js';
import { authorityKeyIdentifier } from './extensions.js';
import { keyIdentifier } from './spki.js';
import { x509Error } from './errors.js';
import type { CaSigner } from './types.js';
import { signatureAlgorithmIdentifier } from './signature-algorithm.js';

/** What every certificate or CRL from one issuer shares; computed once per issuer certificate. */
export interface IssuerInfo {
  /** DER subject Name of the issuer (becomes the issuer Name of what it signs). */
  readonly name: Uint8Array;
  /** The issuer's key identifier (its SKI, or computed by RFC 5280 §4.2.1.2 method 1). */
  readonly keyId: Uint8Array;
  /** Ready-made AKI extension for what this issuer signs. */
  readonly akiExtension: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  readonly publicKey: KeyObject;
}

const cache = new WeakMap<Uint8Array, IssuerInfo>();
const checkedSigners = new WeakMap<Uint8Array, WeakSet<CaSigner>>();

/**
 * Issuer data for `issuerCertificate`, cached by the array's identity (the authority keeps one
 * array per CA certificate). When `signer` is given, checks once that its key is the issuer's
 * key, so a mismatched pair fails loudly instead of producing unverifiable certificates.
 */
export function issuerInfo(issuerCertificate: Uint8Array, signer?: CaSigner): IssuerInfo {
  let info = cache.get(issuerCertificate);
  if (!info) {
    const c = decodeCertificate(issuerCertificate);
    const keyId = subjectKeyIdOf(findExtension(c, OID.subjectKeyIdentifier)) ?? keyIdentifier(c.spki);
    info = Object.freeze({
      name: Uint8Array.from(c.subject),
      keyId: Uint8Array.from(keyId),
      akiExtension: authorityKeyIdentifier(keyId),
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      spki: Uint8Array.from(c.spki),
      publicKey: createPublicKey({ key: Buffer.from(c.spki), format: 'der', type: 'spki' }),
    });
    cache.set(issuerCertificate, info);
  }
  if (signer) {
    let set = checkedSigners.get(issuerCertificate);
    if (!set?.has(signer)) {
      if (!Buffer.from(signer.publicKeySpki).equals(Buffer.from(info.spki))) {
        throw x509Error('ca_signer_mismatch', 'the CA signer key does not match the issuer certificate');
      }
      signatureAlgorithmIdentifier(signer.signatureAlgorithm);
      if (!set) checkedSigners.set(issuerCertificate, (set = new WeakSet()));
      set.add(signer);
    }
  }
  return info;
}
