import { X509Certificate } from 'node:crypto';
import { MAX_CHAIN_CERTIFICATES } from '../constants.js';
import { SignerError } from '../errors.js';
import { parseCertificate, type CertificateInfo } from '../x509/parse-certificate.js';
import { signatureAlgorithmName, WEAK_SIGNATURE_ALGORITHMS } from '../x509/signature-algorithms.js';

/** What {@link checkCertificates} learnt about the leaf (for warnings such as near expiry). */
export interface CheckedCertificates {
  readonly leaf: CertificateInfo;
}

/**
 * Checks the end-entity certificate and chain the way Roles Anywhere will (User Guide, "Signature
 * validation", "Authentication"; RFC 5280 §4.1.2.5, §4.2.1.3, §4.2.1.9), one coded error per problem,
 * so that the service's opaque "Untrusted Signing Certificate"/"Invalid signature" never comes back
 * for a problem visible locally: validity at `now` (leaf and chain), X.509 v3, non-empty subject,
 * keyUsage with digitalSignature, not a CA, no MD5/SHA-1 signatures, at most 5 chain certificates,
 * and each certificate signed by the next one (leaf by chain[0]). A chain that ends below the root is
 * fine: the trust anchor completes it on the service side.
 */
export function checkCertificates(certificate: Uint8Array, chain: readonly Uint8Array[], now: Date): CheckedCertificates {
  const leaf = parseCertificate(certificate);
  checkValidity('The certificate', leaf, now);
  if (leaf.version !== 3) {
    throw new SignerError(
      'certificate_not_v3',
      `The certificate is X.509 version ${leaf.version}; Roles Anywhere accepts version 3 certificates only. Reissue it with extensions.`,
    );
  }
  if (leaf.subjectEmpty) {
    throw new SignerError(
      'certificate_empty_subject',
      'The certificate has an empty subject, which Roles Anywhere does not support; reissue it with a subject (e.g. CN=host name).',
    );
  }
  if (leaf.basicConstraintsCa === true) {
    throw new SignerError(
      'leaf_is_ca',
      'The certificate is a CA certificate (basicConstraints CA:TRUE); use an end-entity certificate issued by the CA, not the CA itself.',
    );
  }
  if (!leaf.keyUsage?.digitalSignature) {
    throw new SignerError(
      'leaf_missing_digital_signature',
      leaf.keyUsage
        ? 'The certificate keyUsage lacks digitalSignature, which Roles Anywhere requires; reissue it with keyUsage=digitalSignature.'
        : 'The certificate has no keyUsage extension; Roles Anywhere requires keyUsage with digitalSignature. Reissue it with keyUsage=digitalSignature.',
    );
  }
  checkAlgorithm('The certificate', leaf);
  if (chain.length > MAX_CHAIN_CERTIFICATES) {
    throw new SignerError(
      'chain_too_long',
      `--intermediates holds ${chain.length} certificates; Roles Anywhere accepts at most ${MAX_CHAIN_CERTIFICATES}. Send only the intermediates, not the root or unrelated certificates.`,
    );
  }
  let child = certificate;
  let childName = 'The certificate';
  chain.forEach((der, i) => {
    const name = `Intermediate #${i + 1}`;
    const info = parseCertificate(der);
    checkValidity(name, info, now);
    checkAlgorithm(name, info);
    if (!signedBy(child, der)) {
      throw new SignerError(
        'chain_does_not_link',
        `${childName} is not signed by ${name.toLowerCase()} of --intermediates; list the intermediates in order, issuer of the certificate first.`,
      );
    }
    child = der;
    childName = name;
  });
  return { leaf };
}

function checkValidity(name: string, info: CertificateInfo, now: Date): void {
  if (now.getTime() < info.notBefore.getTime()) {
    throw new SignerError('certificate_not_yet_valid', `${name} is not valid before ${info.notBefore.toISOString()}; check the system clock or wait.`);
  }
  if (now.getTime() > info.notAfter.getTime()) {
    throw new SignerError('certificate_expired', `${name} expired at ${info.notAfter.toISOString()}; renew it (rapki renew) or enroll again.`);
  }
}

function checkAlgorithm(name: string, info: CertificateInfo): void {
  if (WEAK_SIGNATURE_ALGORITHMS.has(info.signatureAlgorithmOid)) {
    throw new SignerError(
      'weak_signature_algorithm',
      `${name} is signed with ${signatureAlgorithmName(info.signatureAlgorithmOid)}; Roles Anywhere rejects MD5 and SHA-1 signatures. Reissue it with SHA-256 or stronger.`,
    );
  }
}

function signedBy(child: Uint8Array, issuer: Uint8Array): boolean {
  try {
    return new X509Certificate(child).verify(new X509Certificate(issuer).publicKey);
  } catch {
    return false;
  }
}
