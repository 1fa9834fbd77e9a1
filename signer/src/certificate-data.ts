import { X509Certificate } from 'node:crypto';
import { SignerError } from './errors.js';
import { parseCertificate } from './x509/parse-certificate.js';

/** Output of `read-certificate-data` (the official helper's `CertificateData` JSON, same keys). */
export interface CertificateData {
  readonly keyType: 'RSA' | 'EC' | '';
  /** Base64 DER of the certificate, no line breaks. */
  readonly certificateData: string;
  /** Serial in decimal. */
  readonly serialNumber: string;
  /** `${keyType}SHA256`, `…SHA384`, `…SHA512`, as the helper prints them. */
  readonly supportedAlgorithms: readonly string[];
}

/**
 * The helper's `read-certificate-data` fields for a DER certificate. keyType is `''` for key types
 * the helper does not name (it prints `SHA256`… then too; we keep that shape).
 */
export function readCertificateData(certDer: Uint8Array): CertificateData {
  const info = parseCertificate(certDer);
  let type: string | undefined;
  try {
    type = new X509Certificate(certDer).publicKey.asymmetricKeyType;
  } catch (err) {
    throw new SignerError('certificate_unparsable', 'The certificate could not be parsed as X.509.', { cause: err });
  }
  const keyType = type === 'rsa' ? 'RSA' : type === 'ec' ? 'EC' : '';
  return {
    keyType,
    certificateData: Buffer.from(certDer.buffer, certDer.byteOffset, certDer.byteLength).toString('base64'),
    serialNumber: info.serialDecimal,
    supportedAlgorithms: [`${keyType}SHA256`, `${keyType}SHA384`, `${keyType}SHA512`],
  };
}
