/**
 * Test helper: does a CRL verify under an issuer certificate (RFC 5280 §6.3.3 (b)(1) and (f):
 * issuer name, authority key identifier, signature)? Built on the common CRL and certificate
 * readers, so the tests that use it also check what those readers return (the exact signed bytes).
 */
import { verify } from 'node:crypto';
import { ACCEPTED_SIGNATURE_OIDS, OID } from '../../../ca-server/src/x509/constants.js';
import { decodeCertificate, findExtension, subjectKeyIdOf } from '../../../common/src/x509/certificate.js';
import { readCrl } from '../../../common/src/x509/crl.js';

export function crlVerifies(crlDer: Uint8Array, issuerCertificate: Uint8Array): boolean {
  const crl = readCrl(crlDer);
  const issuer = decodeCertificate(issuerCertificate);
  if (!Buffer.from(crl.issuerDer).equals(Buffer.from(issuer.subject))) return false;
  const ski = subjectKeyIdOf(findExtension(issuer, OID.subjectKeyIdentifier));
  if (crl.authorityKeyId !== undefined && ski !== undefined && crl.authorityKeyId !== Buffer.from(ski).toString('hex')) return false;
  const alg = ACCEPTED_SIGNATURE_OIDS[crl.signatureOid];
  if (!alg) return false;
  try {
    return verify(alg.hash, crl.tbs, { key: Buffer.from(issuer.spki), format: 'der', type: 'spki', dsaEncoding: 'der' }, crl.signature);
  } catch {
    return false;
  }
}
