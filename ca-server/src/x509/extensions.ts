import { DER_TRUE, integerFromBigInt, integerFromNumber, octetString, oid, sequence, Tag, tlv, tlvList } from '../../../common/src/der/writer.js';
import { OID } from './constants.js';
import { encodeGeneralNames } from './san.js';
import type { SubjectAltName } from './types.js';

/**
 * Encoders of the certificate and CRL extensions the CA writes (RFC 5280 §4.2.1, §5.2).
 * Each returns a complete `Extension` (SEQUENCE { extnID, critical?, extnValue }).
 */

const OID_DER: Record<string, Uint8Array> = {};
const oidDer = (dotted: string): Uint8Array => (OID_DER[dotted] ??= oid(dotted));

/** One Extension; `critical` FALSE is omitted (DER default). */
export function extension(extnId: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oidDer(extnId), DER_TRUE, octetString(value)) : sequence(oidDer(extnId), octetString(value));
}

/** basicConstraints, always critical (§4.2.1.9). CA:FALSE encodes as an empty SEQUENCE. */
export function basicConstraints(ca: boolean, pathLength?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ca) {
    parts.push(DER_TRUE);
    if (pathLength !== undefined) parts.push(integerFromNumber(pathLength));
  }
  return extension(OID.basicConstraints, true, tlvList(Tag.SEQUENCE, parts));
}

/** keyUsage bit positions (§4.2.1.3). */
export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

/** keyUsage, always critical; a named-bit BIT STRING with trailing zero bits removed (X.690 §11.2.2). */
export function keyUsage(usages: readonly (keyof typeof KEY_USAGE_BITS)[]): Uint8Array {
  let mask = 0;
  for (const u of usages) mask |= 0x80 >> KEY_USAGE_BITS[u];
  if (mask === 0) throw new TypeError('keyUsage needs at least one bit');
  let unused = 0;
  while (!((mask >> unused) & 1)) unused++;
  return extension(OID.keyUsage, true, tlv(Tag.BIT_STRING, Uint8Array.of(unused, mask)));
}

/** extKeyUsage (§4.2.1.12), non-critical. */
export function extKeyUsage(usages: readonly ('clientAuth' | 'serverAuth')[]): Uint8Array {
  return extension(
    OID.extKeyUsage,
    false,
    tlvList(
      Tag.SEQUENCE,
      usages.map((u) => oidDer(OID[u])),
    ),
  );
}

/** subjectAltName (§4.2.1.6); non-critical because our subjects are never empty. */
export function subjectAltName(sans: readonly SubjectAltName[]): Uint8Array {
  return extension(OID.subjectAltName, false, encodeGeneralNames(sans));
}

/** subjectKeyIdentifier (§4.2.1.2). */
export function subjectKeyIdentifier(keyId: Uint8Array): Uint8Array {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

/** authorityKeyIdentifier with keyIdentifier [0] only (§4.2.1.1, §5.2.1). */
export function authorityKeyIdentifier(keyId: Uint8Array): Uint8Array {
  return extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyId)));
}

/** cRLNumber (§5.2.3): non-negative, at most 20 octets. */
export function crlNumber(n: bigint): Uint8Array {
  if (n < 0n || n >= 1n << 159n) throw new TypeError('cRLNumber must be 0 <= n < 2^159');
  return extension(OID.cRLNumber, false, integerFromBigInt(n));
}

/** reasonCode CRL entry extension (§5.3.1). */
export function reasonCode(code: number): Uint8Array {
  return extension(OID.reasonCode, false, tlv(Tag.ENUMERATED, Uint8Array.of(code)));
}
