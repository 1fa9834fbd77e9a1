/**
 * Parses imported CRLs (PEM, as ImportCrl requires) and answers "is this certificate revoked?"
 * against the CRLs of a trust anchor (User Guide, "Revocation": imported, enabled CRLs only; no CDP or
 * OCSP). A CRL counts only when its signature verifies with the issuing certificate of the path.
 */
import { verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { nameToRdns, rdnsToString } from './distinguished-name.js';
import { normalizeSerialHex, SIGNATURE_HASH, type ParsedCertificate } from './certificate.js';

export interface ParsedCrl {
  issuerString: string;
  revokedSerials: Set<string>;
  tbsDer: Buffer;
  signature: Buffer;
  signatureAlgorithm: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
}

/** Extracts the DER of the first element inside the outer SEQUENCE (the TBS part). */
function firstInnerTlv(der: Buffer): Buffer {
  const readLen = (off: number): [len: number, next: number] => {
    const b = der[off]!;
    if (b < 0x80) return [b, off + 1];
    const n = b & 0x7f;
    if (n === 0 || n > 4) throw new Error('bad DER length');
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[off + 1 + i]!;
    return [len, off + 1 + n];
  };
  if (der[0] !== 0x30) throw new Error('not a SEQUENCE');
  const [, inner] = readLen(1);
  const [len, body] = readLen(inner + 1);
  return der.subarray(inner, body + len);
}

const CRL_BEGIN = '-----BEGIN X509 CRL-----';
const CRL_END = '-----END X509 CRL-----';

/** Decodes PEM CRL bytes; throws when the data is not exactly one PEM `X509 CRL`. */
export function parsePemCrl(pem: Buffer | string): ParsedCrl {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  // Index searches, not a lazy regex: that rescanned the rest of the text from every BEGIN, over
  // a second for 300 KB of BEGIN lines (the crlData limit).
  const blocks: string[] = [];
  for (let from = 0; ;) {
    const b = text.indexOf(CRL_BEGIN, from);
    const e = b < 0 ? -1 : text.indexOf(CRL_END, b + CRL_BEGIN.length);
    if (e < 0) break;
    blocks.push(text.slice(b + CRL_BEGIN.length, e));
    from = e + CRL_END.length;
  }
  if (blocks.length !== 1) throw new Error('expected exactly one PEM X509 CRL block');
  const der = Buffer.from(blocks[0]!.replace(/\s+/g, ''), 'base64');
  const crl = AsnConvert.parse(der, CertificateList);
  const tbs = crl.tbsCertList;
  return {
    issuerString: rdnsToString(nameToRdns(tbs.issuer)),
    revokedSerials: new Set((tbs.revokedCertificates ?? []).map((r) => normalizeSerialHex(r.userCertificate))),
    tbsDer: firstInnerTlv(der),
    signature: Buffer.from(crl.signature),
    signatureAlgorithm: crl.signatureAlgorithm.algorithm,
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
  };
}

/** Whether `crl` is signed by `issuer`. */
export function crlSignedBy(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
  const hash = SIGNATURE_HASH[crl.signatureAlgorithm];
  if (hash === undefined || crl.issuerString !== issuer.subjectString) return false;
  try {
    return verify(hash, crl.tbsDer, issuer.publicKey, crl.signature);
  } catch {
    return false;
  }
}

/**
 * Returns the first certificate of `path` (leaf first; each followed by its issuer) that one of
 * `crls` revokes, or undefined.
 */
export function findRevoked(path: readonly ParsedCertificate[], crls: readonly ParsedCrl[]): ParsedCertificate | undefined {
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    for (const crl of crls) {
      if (crl.revokedSerials.has(cert.serialHex) && crlSignedBy(crl, issuer)) return cert;
    }
  }
  return undefined;
}
