import { encodeTbsCertificate, signToBeSigned } from './certificate-builder.js';
import { parseDn } from './dn.js';
import { authorityKeyIdentifier, basicConstraints, keyUsage, subjectKeyIdentifier } from './extensions.js';
import { issuerInfo } from './issuer-info.js';
import { signatureAlgorithmIdentifier } from './signature-algorithm.js';
import { keyIdentifier } from './spki.js';
import type { CaSigner } from './types.js';

/** Inputs of a CA certificate (root or intermediate). */
export interface CaCertificateRequest {
  /** RFC 4514 subject DN, e.g. `CN=Example Root,O=Example`. */
  readonly subject: string;
  /** The key being certified (its public key goes into the certificate). */
  readonly signer: CaSigner;
  /** For an intermediate: the parent's certificate and signer. Absent: self-signed root. */
  readonly issuer?: { readonly certificate: Uint8Array; readonly signer: CaSigner } | undefined;
  /** Positive INTEGER content bytes (see `newSerial`). */
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints pathLenConstraint: 0 for an intermediate that issues leaves, 1 for a root above one. */
  readonly pathLength?: number | undefined;
}

/**
 * Builds a CA certificate that meets IAM Roles Anywhere's trust-anchor rules (its user guide:
 * basicConstraints CA:TRUE, keyUsage keyCertSign; SHA-256 or stronger): v3, basicConstraints
 * critical CA:TRUE (+pathLen), keyUsage critical keyCertSign + cRLSign + digitalSignature,
 * SKI (RFC 5280 §4.2.1.2 method 1), AKI (the parent's SKI; a root's own SKI, §4.2.1.1 allows it).
 * Returns DER.
 */
export async function buildCaCertificate(req: CaCertificateRequest): Promise<Uint8Array> {
  const subject = parseDn(req.subject);
  const keyId = keyIdentifier(req.signer.publicKeySpki);
  const signer = req.issuer?.signer ?? req.signer;
  let issuerName = subject;
  let aki = authorityKeyIdentifier(keyId);
  if (req.issuer) {
    const info = issuerInfo(req.issuer.certificate, req.issuer.signer);
    issuerName = info.name;
    aki = info.akiExtension;
    if (req.notAfter.getTime() > info.notAfter.getTime()) {
      throw new TypeError('an intermediate must not outlive its issuer (notAfter after the issuer notAfter)');
    }
  }
  if (req.pathLength !== undefined && (!Number.isInteger(req.pathLength) || req.pathLength < 0 || req.pathLength > 10)) {
    throw new TypeError('pathLength must be an integer 0..10');
  }
  const tbs = encodeTbsCertificate({
    serial: req.serial,
    signatureAlgorithm: signatureAlgorithmIdentifier(signer.signatureAlgorithm),
    issuer: issuerName,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    subject,
    spki: req.signer.publicKeySpki,
    extensions: [basicConstraints(true, req.pathLength), keyUsage(['digitalSignature', 'keyCertSign', 'cRLSign']), subjectKeyIdentifier(keyId), aki],
  });
  return signToBeSigned(tbs, signer);
}
