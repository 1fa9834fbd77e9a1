/**
 * PKCS#10 certification requests (RFC 2986) built with node:crypto and the small DER writer.
 *
 * Why not @peculiar/x509: the host side of enrollment needs one fixed shape — subject CN, SANs in an
 * extensionRequest attribute (RFC 2985 §5.4.2), signed with the new key as proof of possession
 * (RFC 2986 §3) — and loading the whole x509 library plus reflect-metadata for that is needless
 * start-up time on every `rapki renew`.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { bitString, DER_NULL, explicit, implicit, integerFromNumber, octetString, oid, sequence, set, utf8String } from '../../../common/src/der/writer.js';
import { ipToBytes } from '../../../common/src/x509/ip-address.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import type { San } from './san.js';

const OID = {
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

export interface CsrInput {
  /** Common name of the subject (the host name the token was made for). Empty = empty subject. */
  readonly commonName: string;
  readonly sans: readonly San[];
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Signature algorithm and hash for a key: SHA-384 with P-384 (RFC 5480 §4), else SHA-256. */
function signatureAlgorithm(key: KeyObject): { algId: Uint8Array; hash: 'sha256' | 'sha384' } {
  if (key.asymmetricKeyType === 'ec') {
    const p384 = key.asymmetricKeyDetails?.namedCurve === 'secp384r1';
    return { algId: sequence(oid(p384 ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256)), hash: p384 ? 'sha384' : 'sha256' };
  }
  if (key.asymmetricKeyType === 'rsa') return { algId: sequence(oid(OID.sha256WithRsa), DER_NULL), hash: 'sha256' };
  throw new TypeError(`unsupported key type ${String(key.asymmetricKeyType)}`);
}

/** GeneralName (RFC 5280 §4.2.1.6) for one SAN. */
function generalName(san: San): Uint8Array {
  switch (san.type) {
    case 'email':
      return implicit(1, Buffer.from(san.value, 'ascii'));
    case 'dns':
      return implicit(2, Buffer.from(san.value, 'ascii'));
    case 'uri':
      return implicit(6, Buffer.from(san.value, 'ascii'));
    case 'ip':
      return implicit(7, ipAddressBytes(san.value));
  }
}

function ipAddressBytes(ip: string): Uint8Array {
  const bytes = ipToBytes(ip);
  if (bytes === undefined) throw new TypeError(`not an IP address: ${ip}`);
  return bytes;
}

/** DER of the Name `CN=<commonName>` (RFC 5280 §4.1.2.4), or the empty Name. */
function subjectName(commonName: string): Uint8Array {
  if (commonName === '') return sequence();
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** CertificationRequestInfo (RFC 2986 §4.1) for a subject CN, SANs and a SubjectPublicKeyInfo. */
function requestInfo(commonName: string, sans: readonly San[], spki: Uint8Array): Uint8Array {
  const attributes: Uint8Array[] = [];
  if (sans.length > 0) {
    const sanExt = sequence(oid(OID.subjectAltName), octetString(sequence(...sans.map(generalName))));
    attributes.push(sequence(oid(OID.extensionRequest), set(sequence(sanExt))));
  }
  return sequence(integerFromNumber(0), subjectName(commonName), spki, explicit(0, ...attributes));
}

/** Build and sign a PKCS#10 request with a key in memory; returns DER. */
export function buildCsr(input: CsrInput): Uint8Array {
  const spki = input.publicKey.export({ type: 'spki', format: 'der' });
  const info = requestInfo(input.commonName, input.sans, spki);
  const { algId, hash } = signatureAlgorithm(input.privateKey);
  const signature = sign(hash, info, input.privateKey);
  return sequence(info, algId, bitString(signature));
}

/** Build a CSR and return it as PEM (`CERTIFICATE REQUEST`, RFC 7468 §7). */
export function buildCsrPem(input: CsrInput): string {
  return derToPem(buildCsr(input), 'CERTIFICATE REQUEST');
}

/**
 * A key that signs somewhere else (a PKCS#11 token): `sign` returns a SHA-256 signature of the
 * data, RSASSA-PKCS1-v1_5 for RSA or DER ECDSA for EC — the KeySigner contract of the signer
 * (signer/src/types.ts), so the request says sha256WithRSAEncryption or ecdsa-with-SHA256 (RFC 5758
 * §3.2; also for P-384, which a CA accepts as for any EC key).
 */
export interface CsrSigner {
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Input of {@link buildCsrPemWithSigner}: the public key as SubjectPublicKeyInfo DER. */
export interface ExternalCsrInput {
  readonly commonName: string;
  readonly sans: readonly San[];
  readonly spki: Uint8Array;
  readonly signer: CsrSigner;
}

/** Build a CSR signed through `signer` (SHA-256) and return it as PEM. */
export async function buildCsrPemWithSigner(input: ExternalCsrInput): Promise<string> {
  const key = createPublicKey({ key: Buffer.from(input.spki), format: 'der', type: 'spki' });
  let algId: Uint8Array;
  if (key.asymmetricKeyType === 'ec') algId = sequence(oid(OID.ecdsaWithSha256));
  else if (key.asymmetricKeyType === 'rsa') algId = sequence(oid(OID.sha256WithRsa), DER_NULL);
  else throw new TypeError(`unsupported key type ${String(key.asymmetricKeyType)}`);
  const info = requestInfo(input.commonName, input.sans, input.spki);
  const signature = await input.signer.sign(info);
  return derToPem(sequence(info, algId, bitString(signature)), 'CERTIFICATE REQUEST');
}
