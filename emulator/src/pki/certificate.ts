/**
 * Parses a DER certificate into the facts the CreateSession checks need (User Guide, "Signature validation"):
 * version, serial, names, validity, basicConstraints, keyUsage, signature algorithm, SANs. Uses
 * `@peculiar/asn1-x509` for the structure and `node:crypto` for keys and signatures.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { nameToRdns, rdnsToString, type Rdn } from './distinguished-name.js';

/** Signature algorithms with SHA-256 or stronger (SHA-1 and MD5 are refused). */
const STRONG_SIGNATURE_ALGORITHMS = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.113549.1.1.10', // RSASSA-PSS (hash in parameters; accepted)
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
]);

/** Hash to use with node:crypto.verify for a signature algorithm OID (CRL signatures). */
export const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

export interface SubjectAltNames {
  dns: string[];
  uri: string[];
  directoryNames: Rdn[][];
}

export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  publicKey: KeyObject;
  /** 1 or 3. */
  version: number;
  /** Lower-case hex, no leading zero bytes. */
  serialHex: string;
  serialDecimal: string;
  subject: Rdn[];
  issuer: Rdn[];
  subjectString: string;
  issuerString: string;
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints cA; undefined when the extension is absent. */
  isCa: boolean | undefined;
  /** keyUsage bits; undefined when the extension is absent. */
  keyUsage: number | undefined;
  signatureAlgorithm: string;
  strongSignature: boolean;
  san: SubjectAltNames;
}

export function normalizeSerialHex(bytes: ArrayBuffer | Uint8Array): string {
  const hex = Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
  const trimmed = hex.replace(/^(00)+/, '');
  return trimmed === '' ? '00' : trimmed;
}

export function parseCertificate(der: Buffer): ParsedCertificate {
  const asn = AsnConvert.parse(der, Certificate);
  const tbs = asn.tbsCertificate;
  let isCa: boolean | undefined;
  let keyUsage: number | undefined;
  const san: SubjectAltNames = { dns: [], uri: [], directoryNames: [] };
  for (const ext of tbs.extensions ?? []) {
    if (ext.extnID === id_ce_basicConstraints) {
      isCa = AsnConvert.parse(ext.extnValue, BasicConstraints).cA;
    } else if (ext.extnID === id_ce_keyUsage) {
      keyUsage = AsnConvert.parse(ext.extnValue, KeyUsage).toNumber();
    } else if (ext.extnID === id_ce_subjectAltName) {
      for (const gn of AsnConvert.parse(ext.extnValue, SubjectAlternativeName)) {
        if (gn.dNSName !== undefined) san.dns.push(gn.dNSName);
        if (gn.uniformResourceIdentifier !== undefined) san.uri.push(gn.uniformResourceIdentifier);
        if (gn.directoryName !== undefined) san.directoryNames.push(nameToRdns(gn.directoryName));
      }
    }
  }
  const x509 = new X509Certificate(der);
  const serialHex = normalizeSerialHex(tbs.serialNumber);
  const subject = nameToRdns(tbs.subject);
  const issuer = nameToRdns(tbs.issuer);
  return {
    der,
    x509,
    publicKey: x509.publicKey,
    version: tbs.version + 1,
    serialHex,
    serialDecimal: BigInt(`0x${serialHex}`).toString(10),
    subject,
    issuer,
    subjectString: rdnsToString(subject),
    issuerString: rdnsToString(issuer),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    isCa,
    keyUsage,
    signatureAlgorithm: asn.signatureAlgorithm.algorithm,
    strongSignature: STRONG_SIGNATURE_ALGORITHMS.has(asn.signatureAlgorithm.algorithm),
    san,
  };
}

export const hasKeyUsage = (c: ParsedCertificate, flag: KeyUsageFlags): boolean => c.keyUsage !== undefined && (c.keyUsage & flag) !== 0;

export { KeyUsageFlags };

/** Splits a PEM bundle into DER certificates; throws when a block is not a CERTIFICATE. */
export function pemCertificatesToDer(pem: string): Buffer[] {
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  return blocks.map((b) => {
    if (b[1] !== 'CERTIFICATE') throw new Error(`unexpected PEM block ${b[1]}`);
    return Buffer.from(b[2]!.replace(/\s+/g, ''), 'base64');
  });
}
