import { verify } from 'node:crypto';
import { ACCEPTED_SIGNATURE_OIDS, OID } from './constants.js';
import { DerError, readTlv } from '../../../common/src/der/reader.js';
import {
  authorityKeyIdOf,
  decodeCertificate,
  findExtension,
  readBasicConstraints,
  readKeyUsage,
  subjectKeyIdOf,
  type DecodedCertificate,
  type KeyUsage,
} from '../../../common/src/x509/certificate.js';
import { x509Error } from './errors.js';
import { issuerInfo } from './issuer-info.js';
import { canonicalSan, decodeGeneralNames } from './san.js';
import type { SubjectAltName } from './types.js';

/** Expectations the caller can add to the fixed profile rules. */
export interface LintExpectations {
  /** The SANs the token bound: every one must be in the certificate, and nothing else. */
  readonly sans?: readonly SubjectAltName[];
}

function fail(rule: string, detail: string): never {
  throw x509Error('certificate_lint_failed', `certificate lint failed: ${rule}: ${detail}`);
}

function decode(der: Uint8Array, what: string): DecodedCertificate {
  try {
    return decodeCertificate(der);
  } catch (err) {
    throw x509Error('certificate_lint_failed', `certificate lint failed: decodable: the ${what} could not be decoded`, err);
  }
}

/** The keyUsage bits; a malformed value fails the `key-usage` rule. */
function keyUsageOf(value: Uint8Array): KeyUsage {
  try {
    return readKeyUsage(value);
  } catch (err) {
    if (err instanceof DerError) fail('key-usage', `malformed (${err.message})`);
    throw err;
  }
}

/** cA of basicConstraints; a malformed value fails the `basic-constraints` rule. */
function basicConstraintsCa(value: Uint8Array): boolean {
  try {
    return readBasicConstraints(value).ca;
  } catch (err) {
    if (err instanceof DerError) fail('basic-constraints', `malformed (${err.message})`);
    throw err;
  }
}

function commonRules(c: DecodedCertificate): void {
  if (c.version !== 3) fail('version', `must be v3, is v${c.version}`);
  if (!ACCEPTED_SIGNATURE_OIDS[c.signatureOid]) fail('signature-algorithm', `${c.signatureOid} is not SHA-256 or stronger`);
  if (!Buffer.from(c.signatureAlgorithm).equals(Buffer.from(c.innerSignatureAlgorithm))) fail('signature-algorithm', 'inner and outer algorithms differ');
  const s = c.serial;
  if (s.length === 0 || (s[0]! & 0x80) !== 0) fail('serial', 'must be positive');
  if (s.length > 20) fail('serial', 'must be at most 20 octets');
  if (s.length > 1 && s[0] === 0 && (s[1]! & 0x80) === 0) fail('serial', 'is not minimally encoded');
  const magnitude = s[0] === 0 ? s.subarray(1) : s;
  if (magnitude.length < 8) fail('serial', 'must carry at least 64 bits');
  if (readTlv(c.subject, 0).end === 2) fail('subject', 'must not be empty (Roles Anywhere)');
  if (!(c.notBefore.getTime() < c.notAfter.getTime())) fail('validity', 'notBefore must be before notAfter');
  const seen = new Set<string>();
  for (const e of c.extensions) {
    if (seen.has(e.oid)) fail('extensions', `duplicate extension ${e.oid}`);
    seen.add(e.oid);
  }
}

function signatureRule(c: DecodedCertificate, issuerDer: Uint8Array): void {
  const issuer = issuerInfo(issuerDer);
  if (!Buffer.from(c.issuer).equals(Buffer.from(issuer.name))) fail('issuer', 'issuer name does not match the issuer certificate subject');
  if (c.notAfter.getTime() > issuer.notAfter.getTime()) fail('validity', 'notAfter is after the issuer notAfter');
  const alg = ACCEPTED_SIGNATURE_OIDS[c.signatureOid]!;
  let ok: boolean;
  try {
    ok = verify(alg.hash, c.tbs, { key: issuer.publicKey, dsaEncoding: 'der' }, c.signature);
  } catch {
    ok = false;
  }
  if (!ok) fail('signature', 'does not verify under the issuer key');
  const aki = authorityKeyIdOf(findExtension(c, OID.authorityKeyIdentifier));
  if (!aki) fail('authority-key-identifier', 'missing');
  if (!Buffer.from(aki).equals(Buffer.from(issuer.keyId))) fail('authority-key-identifier', 'does not match the issuer key identifier');
}

/**
 * The Roles Anywhere conformance lint, run on every leaf before it leaves the CA (its user guide,
 * "Signature validation", and RFC 5280): v3; SHA-256+ signature; positive serial of 64 bits to
 * 20 octets (§4.1.2.2); non-empty subject; basicConstraints critical CA:FALSE; keyUsage critical
 * with digitalSignature and no CA bits; SKI and AKI present (AKI = issuer's key id); the token's
 * SANs present; notBefore < notAfter <= issuer notAfter; issuer name and signature match the issuer.
 * Throws `certificate_lint_failed` naming the broken rule.
 */
export function lintLeafCertificate(der: Uint8Array, issuerDer: Uint8Array, expect: LintExpectations = {}): void {
  const c = decode(der, 'certificate');
  commonRules(c);
  const bc = findExtension(c, OID.basicConstraints);
  if (!bc) fail('basic-constraints', 'missing');
  if (!bc.critical) fail('basic-constraints', 'must be critical');
  if (basicConstraintsCa(bc.value)) fail('basic-constraints', 'must be CA:FALSE');
  const ku = findExtension(c, OID.keyUsage);
  if (!ku) fail('key-usage', 'missing');
  if (!ku.critical) fail('key-usage', 'must be critical');
  const usage = keyUsageOf(ku.value);
  if (!usage.digitalSignature) fail('key-usage', 'must include digitalSignature');
  if (usage.keyCertSign || usage.cRLSign) fail('key-usage', 'a leaf must not have keyCertSign or cRLSign');
  if (!subjectKeyIdOf(findExtension(c, OID.subjectKeyIdentifier))) fail('subject-key-identifier', 'missing');
  if (expect.sans) {
    const ext = findExtension(c, OID.subjectAltName);
    if (expect.sans.length > 0 && !ext) fail('subject-alt-name', 'missing');
    const have = new Set(ext ? decodeGeneralNames(ext.value).map(canonicalSan) : []);
    const want = new Set(expect.sans.map(canonicalSan));
    for (const w of want) if (!have.has(w)) fail('subject-alt-name', `missing ${w}`);
    for (const h of have) if (!want.has(h)) fail('subject-alt-name', `unexpected ${h}`);
  }
  for (const e of c.extensions) {
    if (e.critical && e.oid !== OID.basicConstraints && e.oid !== OID.keyUsage) fail('extensions', `unexpected critical extension ${e.oid}`);
  }
  signatureRule(c, issuerDer);
}

/**
 * Lint of a CA certificate against Roles Anywhere's trust-anchor rules: v3, SHA-256+,
 * basicConstraints critical CA:TRUE, keyUsage critical with keyCertSign, SKI, non-empty subject,
 * and the signature under `issuerDer` (or itself for a root). Throws `certificate_lint_failed`.
 */
export function lintCaCertificate(der: Uint8Array, issuerDer: Uint8Array = der): void {
  const c = decode(der, 'CA certificate');
  commonRules(c);
  const bc = findExtension(c, OID.basicConstraints);
  if (!bc || !bc.critical || !basicConstraintsCa(bc.value)) fail('basic-constraints', 'must be critical CA:TRUE');
  const ku = findExtension(c, OID.keyUsage);
  if (!ku || !ku.critical || !keyUsageOf(ku.value).keyCertSign) fail('key-usage', 'must be critical with keyCertSign');
  if (!subjectKeyIdOf(findExtension(c, OID.subjectKeyIdentifier))) fail('subject-key-identifier', 'missing');
  signatureRule(c, issuerDer);
}
