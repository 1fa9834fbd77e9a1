/**
 * The CA's X.509 layer: everything that encodes, decodes, signs or checks certificates, CSRs and
 * CRLs. The authority uses only what is exported here.
 */
export type { CaKeyType, CaSigner, SubjectAltName, ParsedCsr, LeafRequest, CrlEntry } from './types.js';
export { X509_ERROR_CODES, type X509ErrorCode } from './errors.js';
export { OID, CRL_REASONS, KEY_POLICY, MAX_CSR_BYTES, ROLES_ANYWHERE_CRL_MAX_BYTES, PEM_LABEL } from './constants.js';
export { parseDn, formatDn, escapeDnValue } from './dn.js';
export { parseCsr } from './csr.js';
export { createCsr } from './csr-builder.js';
export { buildCaCertificate, type CaCertificateRequest } from './ca-certificate.js';
export { issueLeafCertificate } from './leaf.js';
export { issueServerCertificate, sanForHost, type ServerCertificateRequest } from './server-certificate.js';
export { lintLeafCertificate, lintCaCertificate, type LintExpectations } from './lint.js';
export { newSerial, normalizeSerialHex, serialContentFromHex, serialHexFromContent, SERIAL_BYTES } from './serial.js';
export { CrlBuilder, crlToPem, crlSizeStatus, type CrlBuildOptions } from './crl.js';
export { readCrlInfo, verifyCrl, type CrlInfo } from './crl-reader.js';
export { derToPem, pemToDer, pemBlocks, pemByteLength, fingerprintSha256 } from './pem.js';
export { parseCertificateSummary, serialHexFromCertificate, type CertificateSummary } from './certificate-summary.js';
export { decodeCertificate, type DecodedCertificate } from './certificate-reader.js';
export { keyIdentifier } from './spki.js';
export { canonicalSan } from './san.js';
