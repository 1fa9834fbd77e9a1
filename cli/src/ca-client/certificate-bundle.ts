/**
 * Certificate bundles as the CA sends them and hosts keep them (`ca.pem`, `chain.pem`): every
 * CERTIFICATE block, each checked to parse as X.509 by node:crypto. The PEM reading itself is
 * `common/src/x509/pem.ts`.
 */
import { X509Certificate } from 'node:crypto';
import { derToPem, pemBlocks } from '../../../common/src/x509/pem.js';

/** Split a PEM bundle into certificates (DER, canonical PEM, parsed); throws on a block that does not parse. */
export function parseCertificates(text: string): { der: Buffer; pem: string; cert: X509Certificate }[] {
  return pemBlocks(text, 'CERTIFICATE').map((der) => ({ der, pem: derToPem(der, 'CERTIFICATE'), cert: new X509Certificate(der) }));
}
