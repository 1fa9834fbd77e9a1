/**
 * The CA's X.509 profile layer: what builds, signs and checks certificates, CSRs and CRLs the way
 * this CA makes them. The byte-level pieces it stands on (DER, PEM, times, serials, certificate and
 * CRL reading, fingerprints) are in `common/src/der/` and `common/src/x509/`.
 */
export type { CaKeyType, CaSigner, SubjectAltName, ParsedCsr, LeafRequest, CrlEntry } from './types.js';
export { X509_ERROR_CODES, type X509ErrorCode } from './errors.js';
export { OID, CRL_REASONS, KEY_POLICY, MAX_CSR_BYTES } from './constants.js';
export { parseDn, formatDn, escapeDnValue } from './dn.js';
export { parseCsr } from './csr.js';
export { buildCaCertificate, type CaCertificateRequest } from './ca-certificate.js';
export { issueLeafCertificate } from './leaf.js';
export { lintLeafCertificate, lintCaCertificate, type LintExpectations } from './lint.js';
export { CrlBuilder, type CrlBuildOptions } from './crl.js';
export { parseCertificateSummary, serialHexFromCertificate, type CertificateSummary } from './certificate-summary.js';
export { keyIdentifier } from './spki.js';
export { canonicalSan } from './san.js';
