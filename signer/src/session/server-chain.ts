/**
 * A strict, conservative check of the endpoint's certificate chain against a small set of trust
 * anchors (RFC 5280 §6.1 path validation, the parts a TLS server chain needs), used before Node's
 * own verification so that Node does not have to build its ~140-root store (tls-trust.ts).
 *
 * The rule that keeps it safe: it may only ever say "valid" for chains OpenSSL would also accept
 * with the same anchors — it is stricter, never looser. Anything it does not fully understand is
 * "not verified here", and the caller then verifies with Node (OpenSSL) as before. So:
 * - every certificate: signed by the next one (`checkIssued`: names, key identifiers and the
 *   issuer's keyCertSign; then the signature), inside its validity period (anchors too), RSA keys
 *   of 2048 bits or more or EC keys on P-256/P-384/P-521, signed with RSA PKCS#1 v1.5 or ECDSA
 *   over SHA-256/384/512, no critical extension other than basicConstraints, keyUsage,
 *   extKeyUsage and subjectAltName, and no name constraints or policy constraints at all;
 * - every issuer below the anchor: basicConstraints cA, keyUsage (when present) with keyCertSign,
 *   extKeyUsage (when present) with serverAuth, pathLenConstraint respected;
 * - the leaf: the host name (DNS SANs only, never the subject CN) or IP address, extKeyUsage
 *   (when present) with serverAuth, keyUsage (when present) with digitalSignature,
 *   keyEncipherment or keyAgreement (OpenSSL's TLS server purpose);
 * - at most 5 certificates between leaf and anchor.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { parseCertificate, type CertificateInfo } from '../x509/parse-certificate.js';

const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_ANY = '2.5.29.37.0';
/** Extensions this check understands when critical (RFC 5280 §4.2.1.9, .3, .12, .6). */
const KNOWN_CRITICAL = new Set(['2.5.29.19', '2.5.29.15', '2.5.29.37', '2.5.29.17']);
/** Extensions that make the path rules richer than this check: name constraints, policy constraints, inhibitAnyPolicy, policy mappings. */
const DEFER_IF_PRESENT = new Set(['2.5.29.30', '2.5.29.36', '2.5.29.54', '2.5.29.33']);
/** sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384/512. */
const SIGNATURE_ALGORITHMS = new Set([
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
]);
const CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MAX_INTERMEDIATES = 5;

export type ChainVerdict = { readonly ok: true; readonly anchor: string } | { readonly ok: false; readonly reason: string };

interface Cert {
  readonly x: X509Certificate;
  readonly info: CertificateInfo;
}

function load(der: Uint8Array): Cert {
  return { x: new X509Certificate(der), info: parseCertificate(der) };
}

function sameDer(a: Cert, b: Cert): boolean {
  return Buffer.compare(a.x.raw, b.x.raw) === 0;
}

/** Why a certificate alone is outside what this check handles, or undefined. */
function unsupported(c: Cert, now: Date): string | undefined {
  const { info, x } = c;
  if (now < info.notBefore || now > info.notAfter) return `${x.subject.split('\n').pop()} is outside its validity period`;
  if (!SIGNATURE_ALGORITHMS.has(info.signatureAlgorithmOid)) return `signature algorithm ${info.signatureAlgorithmOid}`;
  for (const e of info.extensions) {
    if (DEFER_IF_PRESENT.has(e.oid)) return `extension ${e.oid}`;
    if (e.critical && !KNOWN_CRITICAL.has(e.oid)) return `critical extension ${e.oid}`;
  }
  const key = x.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((d.modulusLength ?? 0) < 2048) return 'RSA key under 2048 bits';
  } else if (key.asymmetricKeyType === 'ec') {
    if (!CURVES.has(d.namedCurve ?? '')) return `EC curve ${d.namedCurve ?? 'unknown'}`;
  } else {
    return `key type ${key.asymmetricKeyType ?? 'unknown'}`;
  }
  return undefined;
}

function hasServerAuth(eku: readonly string[] | undefined): boolean {
  return eku === undefined || eku.includes(EKU_SERVER_AUTH) || eku.includes(EKU_ANY);
}

/** `issuer` may sign `child` as an intermediate CA that has `below` non-self-issued CAs under it. */
function issuerProblem(issuer: Cert, below: number): string | undefined {
  const i = issuer.info;
  if (i.basicConstraintsCa !== true) return 'an issuer is not a CA';
  if (i.keyUsage !== undefined && !i.keyUsage.keyCertSign) return 'an issuer lacks keyCertSign';
  if (!hasServerAuth(i.extKeyUsage)) return 'an issuer is not for TLS servers';
  if (i.pathLenConstraint !== undefined && below > i.pathLenConstraint) return 'pathLenConstraint exceeded';
  return undefined;
}

function signs(issuer: Cert, child: Cert): boolean {
  try {
    return child.x.checkIssued(issuer.x) && child.x.verify(issuer.x.publicKey);
  } catch {
    return false;
  }
}

/** Subject equals issuer and the certificate's own key verifies its signature. */
function selfSigned(c: Cert): boolean {
  try {
    return c.x.subject === c.x.issuer && c.x.verify(c.x.publicKey);
  } catch {
    return false;
  }
}

/**
 * Verifies `chain` (leaf first, as the server sent it) for `host` against `anchors` (DER) at `now`.
 * Never throws: malformed input is a "not verified here" verdict.
 */
export function verifyServerChain(chain: readonly Uint8Array[], host: string, anchors: readonly Uint8Array[], now: Date): ChainVerdict {
  let leaf: Cert;
  let sent: Cert[];
  let roots: Cert[];
  try {
    if (chain.length === 0) return { ok: false, reason: 'no certificate' };
    [leaf, ...sent] = chain.map(load) as [Cert, ...Cert[]];
    roots = anchors.map(load);
  } catch {
    return { ok: false, reason: 'a certificate could not be parsed' };
  }
  const hostOk =
    isIP(host) !== 0
      ? leaf.x.checkIP(host) !== undefined
      : leaf.x.checkHost(host, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined;
  if (!hostOk) return { ok: false, reason: `the certificate does not name ${host}` };
  if (!hasServerAuth(leaf.info.extKeyUsage)) return { ok: false, reason: 'the certificate is not for TLS servers (extKeyUsage)' };
  const ku = leaf.info.keyUsage;
  if (ku !== undefined && !ku.digitalSignature && !ku.keyEncipherment && !ku.keyAgreement) return { ok: false, reason: 'keyUsage does not allow TLS' };

  let current = leaf;
  let caBelow = 0; // non-self-issued intermediates between `current` and the leaf
  for (let depth = 0; depth <= MAX_INTERMEDIATES + 1; depth++) {
    const problem = unsupported(current, now);
    if (problem) return { ok: false, reason: problem };
    // The certificate itself is an anchor (a self-signed endpoint certificate in AWS_CA_BUNDLE).
    // Only a self-signed one: OpenSSL (without partial chains, as Node 20 runs it) does not stop
    // at a trusted certificate that names another issuer, so neither does this check.
    const direct = roots.find((r) => sameDer(r, current));
    if (direct && selfSigned(direct)) return { ok: true, anchor: direct.x.subject.split('\n').pop() ?? '' };
    const anchor = roots.find((r) => signs(r, current));
    if (anchor) {
      const p = unsupported(anchor, now) ?? issuerProblem(anchor, caBelow);
      if (p) return { ok: false, reason: p };
      return { ok: true, anchor: anchor.x.subject.split('\n').pop() ?? '' };
    }
    const next = sent.find((c) => !sameDer(c, current) && signs(c, current));
    if (!next) return { ok: false, reason: 'no path to a trusted root' };
    const p = issuerProblem(next, caBelow);
    if (p) return { ok: false, reason: p };
    if (next.x.subject !== next.x.issuer) caBelow++; // self-issued CAs do not count (RFC 5280 §6.1.4 (l))
    current = next;
  }
  return { ok: false, reason: 'chain too long' };
}
