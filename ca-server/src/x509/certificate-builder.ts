import { encodeTime } from '../../../common/src/der/time.js';
import { bitString, explicit, integerFromContent, sequence, Tag, tlvList } from '../../../common/src/der/writer.js';
import { signatureAlgorithmIdentifier } from './signature-algorithm.js';
import type { CaSigner } from './types.js';

/** Fields of a v3 TBSCertificate (RFC 5280 §4.1.2), all already DER-encoded where noted. */
export interface TbsFields {
  /** Positive INTEGER content bytes. */
  readonly serial: Uint8Array;
  /** DER AlgorithmIdentifier (same as the outer one). */
  readonly signatureAlgorithm: Uint8Array;
  /** DER Name, copied verbatim from the issuer certificate's subject (RFC 5280 §4.1.2.4). */
  readonly issuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER Name. */
  readonly subject: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** Complete Extension encodings, in order. */
  readonly extensions: readonly Uint8Array[];
}

const VERSION_3 = explicit(0, Uint8Array.of(Tag.INTEGER, 1, 2));

/** DER TBSCertificate, version 3. */
export function encodeTbsCertificate(f: TbsFields): Uint8Array {
  if (!(f.notBefore.getTime() < f.notAfter.getTime())) throw new TypeError('notBefore must be before notAfter');
  return sequence(
    VERSION_3,
    integerFromContent(f.serial),
    f.signatureAlgorithm,
    f.issuer,
    sequence(encodeTime(f.notBefore), encodeTime(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, tlvList(Tag.SEQUENCE, f.extensions)),
  );
}

/**
 * Signs a TBS structure (certificate or CRL) and wraps it as
 * SEQUENCE { tbs, signatureAlgorithm, BIT STRING signature } (RFC 5280 §4.1.1, §5.1.1).
 */
export async function signToBeSigned(tbs: Uint8Array, signer: CaSigner): Promise<Uint8Array> {
  const signature = await signer.sign(tbs);
  return sequence(tbs, signatureAlgorithmIdentifier(signer.signatureAlgorithm), bitString(signature));
}
