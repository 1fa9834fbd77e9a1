/** Entry point for the CLI: `rapki read-certificate-data`, a certificate's fields as the official helper prints them. */
export { readCertificateData } from '../certificate-data.js';
export { formatMatchingIdentities } from '../matching-identities.js';
