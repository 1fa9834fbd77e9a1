import { encodeTbsCertificate, signToBeSigned } from './certificate-builder.js';
import { parseDn } from './dn.js';
import { basicConstraints, extKeyUsage, keyUsage, subjectAltName, subjectKeyIdentifier } from './extensions.js';
import { issuerInfo } from './issuer-info.js';
import { signatureAlgorithmIdentifier } from './signature-algorithm.js';
import { keyIdentifier } from './spki.js';
import type { LeafRequest } from './types.js';

/** Constant extensions of every leaf (RFC 5280 §4.2.1.9, §4.2.1.3). */
const BASIC_CONSTRAINTS_END_ENTITY = basicConstraints(false);
const KEY_USAGE_DIGITAL_SIGNATURE = keyUsage(['digitalSignature']);
const EKU_CACHE = new Map<string, Uint8Array>();

function ekuExtension(usages: readonly ('clientAuth' | 'serverAuth')[]): Uint8Array {
  const key = usages.join(',');
  let ext = EKU_CACHE.get(key);
  if (!ext) EKU_CACHE.set(key, (ext = extKeyUsage(usages)));
  return ext;
}

/**
 * Issues one end-entity certificate by the lean DER path (the enrollment hot loop).
 *
 * The profile is the one IAM Roles Anywhere accepts (its user guide, "Signature validation"):
 * v3; basicConstraints critical CA:FALSE; keyUsage critical digitalSignature; extKeyUsage
 * clientAuth by default; the request's SANs; SKI by RFC 5280 §4.2.1.2 method 1; AKI = the
 * issuer's SKI; issuer Name copied verbatim from the issuer's subject (§4.1.2.4, so that path
 * building matches byte for byte); SPKI copied verbatim from the verified CSR.
 *
 * The caller (authority) decides serial, validity and names, and runs `lintLeafCertificate`
 * before the certificate leaves.
 */
export async function issueLeafCertificate(req: LeafRequest): Promise<Uint8Array> {
  const issuer = issuerInfo(req.issuerCertificate, req.issuerSigner);
  const extensions: Uint8Array[] = [BASIC_CONSTRAINTS_END_ENTITY, KEY_USAGE_DIGITAL_SIGNATURE, ekuExtension(req.extKeyUsage ?? ['clientAuth'])];
  if (req.sans.length > 0) extensions.push(subjectAltName(req.sans));
  extensions.push(subjectKeyIdentifier(keyIdentifier(req.publicKeySpki)), issuer.akiExtension);
  const tbs = encodeTbsCertificate({
    serial: req.serial,
    signatureAlgorithm: signatureAlgorithmIdentifier(req.issuerSigner.signatureAlgorithm),
    issuer: issuer.name,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    subject: parseDn(req.subject),
    spki: req.publicKeySpki,
    extensions,
  });
  return signToBeSigned(tbs, req.issuerSigner);
}
