import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { bitString, DER_NULL, oid, sequence, set, Tag, tlv } from '../../../common/src/der/writer.js';
import { OID } from '../../../ca-server/src/x509/constants.js';
import { parseDn } from '../../../ca-server/src/x509/dn.js';
import { subjectAltName } from '../../../ca-server/src/x509/extensions.js';
import type { SubjectAltName } from '../../../ca-server/src/x509/types.js';

/**
 * Test and benchmark helper: a PKCS#10 request (RFC 2986) signed by `privateKey` with any RFC 4514
 * subject (the CA's DN encoder), and the SANs as an extensionRequest attribute (RFC 2985 §5.4.2).
 * Hosts build their requests with `cli/src/ca-client/csr.ts`. EC P-256 → ecdsa-with-SHA256, P-384 → ecdsa-with-SHA384, RSA →
 * sha256WithRSAEncryption. Returns DER.
 */
export function createCsr(opts: { subject: string; sans?: readonly SubjectAltName[]; privateKey: KeyObject }): Uint8Array {
  const key = opts.privateKey;
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const attrs: Uint8Array[] = [];
  if (opts.sans && opts.sans.length > 0) {
    attrs.push(sequence(oid(OID.extensionRequest), set(sequence(subjectAltName(opts.sans)))));
  }
  const cri = sequence(Uint8Array.of(Tag.INTEGER, 1, 0), parseDn(opts.subject), spki, tlv(0xa0, ...attrs));
  let algOid: string;
  let hash: string;
  if (key.asymmetricKeyType === 'ec') {
    const big = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' || key.asymmetricKeyDetails?.namedCurve === 'secp521r1';
    algOid = big ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256;
    hash = big ? 'sha384' : 'sha256';
  } else if (key.asymmetricKeyType === 'rsa') {
    algOid = OID.sha256WithRsa;
    hash = 'sha256';
  } else throw new TypeError(`createCsr: unsupported key type ${key.asymmetricKeyType}`);
  const alg = key.asymmetricKeyType === 'rsa' ? sequence(oid(algOid), DER_NULL) : sequence(oid(algOid));
  const sig = sign(hash, cri, { key, dsaEncoding: 'der' });
  return sequence(cri, alg, bitString(sig));
}
