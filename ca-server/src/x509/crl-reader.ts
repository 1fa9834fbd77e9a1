import { verify } from 'node:crypto';
import { ACCEPTED_SIGNATURE_OIDS, OID } from './constants.js';
import { algorithmOid, readExtensions } from './certificate-reader.js';
import { DerError, Tag, children, contentOf, rawOf, readTime, readTlv } from './der.js';
import { formatDn } from './dn.js';
import { x509Error } from './errors.js';
import { issuerInfo, authorityKeyIdOf } from './issuer-info.js';
import { serialHexFromContent } from './serial.js';

/** What a CA needs to know about a CRL it made or fetched back (RFC 5280 §5.1). */
export interface CrlInfo {
  /** RFC 4514 issuer. */
  readonly issuer: string;
  readonly issuerDer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** cRLNumber (§5.2.3), if present. */
  readonly crlNumber: bigint | undefined;
  /** AKI keyIdentifier, hex, if present. */
  readonly authorityKeyId: string | undefined;
  readonly entryCount: number;
  /** Serials of the revoked entries, canonical hex (`serialHexFromContent`), in CRL order. */
  readonly serials: readonly string[];
  readonly signatureOid: string;
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Decodes a DER CRL without a library (fast even with 100,000 entries). Used to check our own CRL
 * before it is pushed to Roles Anywhere and to compare CRL numbers on read-back. Throws
 * `certificate_unparsable` with a CRL message.
 */
export function readCrlInfo(der: Uint8Array): CrlInfo {
  try {
    const top = readTlv(der, 0);
    if (top.tag !== Tag.SEQUENCE || top.end !== der.length) throw new DerError('CertificateList: one SEQUENCE expected');
    const [tbsT, algT, sigT, extra] = children(der, top);
    if (!tbsT || !algT || !sigT || extra || sigT.tag !== Tag.BIT_STRING || der[sigT.start] !== 0) throw new DerError('CertificateList fields');
    const f = children(der, tbsT);
    let k = 0;
    if (f[0]?.tag === Tag.INTEGER) k = 1;
    const [, issuerT, thisT, maybeNext] = f.slice(k);
    if (!issuerT || !thisT || issuerT.tag !== Tag.SEQUENCE) throw new DerError('TBSCertList fields');
    let i = k + 3;
    let nextUpdate: Date | undefined;
    if (maybeNext && (maybeNext.tag === Tag.UTC_TIME || maybeNext.tag === Tag.GENERALIZED_TIME)) {
      nextUpdate = readTime(der, maybeNext);
      i++;
    }
    let entryCount = 0;
    const serials: string[] = [];
    let crlNumber: bigint | undefined;
    let authorityKeyId: string | undefined;
    for (const rest of f.slice(i)) {
      if (rest.tag === Tag.SEQUENCE) {
        for (let off = rest.start; off < rest.end; ) {
          const entry = readTlv(der, off, rest.end);
          const serial = entry.tag === Tag.SEQUENCE ? readTlv(der, entry.start, entry.end) : undefined;
          if (!serial || serial.tag !== Tag.INTEGER) throw new DerError('revokedCertificates entry: serial INTEGER expected');
          serials.push(serialHexFromContent(contentOf(der, serial)));
          entryCount++;
          off = entry.end;
        }
      } else if (rest.tag === 0xa0) {
        for (const e of readExtensions(der, readTlv(der, rest.start, rest.end))) {
          if (e.oid === OID.cRLNumber) {
            const t = readTlv(e.value, 0);
            crlNumber = BigInt(`0x${Buffer.from(contentOf(e.value, t)).toString('hex') || '0'}`);
          } else if (e.oid === OID.authorityKeyIdentifier) {
            const id = authorityKeyIdOf(e);
            authorityKeyId = id ? Buffer.from(id).toString('hex') : undefined;
          }
        }
      }
    }
    return {
      issuer: formatDn(der, issuerT),
      issuerDer: rawOf(der, issuerT),
      thisUpdate: readTime(der, thisT),
      nextUpdate,
      crlNumber,
      authorityKeyId,
      entryCount,
      serials,
      signatureOid: algorithmOid(der, algT),
      tbs: rawOf(der, tbsT),
      signature: contentOf(der, sigT).subarray(1),
    };
  } catch (err) {
    if (err instanceof DerError) throw x509Error('certificate_unparsable', `CRL could not be decoded: ${err.message}`, err);
    throw err;
  }
}

/**
 * True when the CRL's issuer name, AKI and signature match `issuerCertificate` (RFC 5280 §6.3.3
 * steps (b)(1) and (f)). The CA runs this on every CRL before pushing it to Roles Anywhere, which
 * does not document whether it checks CRL signatures itself.
 */
export function verifyCrl(der: Uint8Array, issuerCertificate: Uint8Array): boolean {
  const crl = readCrlInfo(der);
  const issuer = issuerInfo(issuerCertificate);
  if (!Buffer.from(crl.issuerDer).equals(Buffer.from(issuer.name))) return false;
  if (crl.authorityKeyId !== undefined && crl.authorityKeyId !== Buffer.from(issuer.keyId).toString('hex')) return false;
  const alg = ACCEPTED_SIGNATURE_OIDS[crl.signatureOid];
  if (!alg) return false;
  try {
    return verify(alg.hash, crl.tbs, { key: issuer.publicKey, dsaEncoding: 'der' }, crl.signature);
  } catch {
    return false;
  }
}
