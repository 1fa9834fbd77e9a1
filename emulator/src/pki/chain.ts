/**
 * Builds and validates the path from the leaf to a certificate of the trust anchor's bundle
 * (RFC 5280 §6, reduced to what Roles Anywhere documents: signatures, validity, basicConstraints,
 * keyUsage, at most 5 chain certificates; User Guide, "Signature validation"). Refusals carry a
 * precise reason.
 */
import { MAX_CHAIN_CERTIFICATES } from '../constants.js';
import { hasKeyUsage, KeyUsageFlags, type ParsedCertificate } from './certificate.js';

export type ChainFailure =
  'chain_too_long' | 'untrusted_chain' | 'certificate_expired' | 'certificate_not_yet_valid' | 'intermediate_not_ca' | 'anchor_not_ca' | 'weak_chain_signature';

export type ChainResult = { ok: true; path: ParsedCertificate[]; anchor: ParsedCertificate } | { ok: false; reason: ChainFailure };

function issued(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer.subjectString !== child.issuerString) return false;
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function timeFailure(c: ParsedCertificate, now: Date): ChainFailure | undefined {
  if (now.getTime() < c.notBefore.getTime()) return 'certificate_not_yet_valid';
  if (now.getTime() > c.notAfter.getTime()) return 'certificate_expired';
  return undefined;
}

/**
 * `path` starts with the leaf and ends with the anchor certificate that signed the last element
 * (the anchor itself is included only once, last).
 */
export function validateChain(leaf: ParsedCertificate, chain: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], now: Date): ChainResult {
  if (chain.length > MAX_CHAIN_CERTIFICATES) return { ok: false, reason: 'chain_too_long' };
  const path: ParsedCertificate[] = [leaf];
  let current = leaf;
  const used = new Set<ParsedCertificate>();
  for (let depth = 0; depth <= MAX_CHAIN_CERTIFICATES + 1; depth++) {
    const anchor = anchors.find((a) => issued(a, current));
    if (anchor) {
      if (current !== anchor) path.push(anchor);
      // The anchor must be a CA allowed to sign certificates.
      if (anchor.isCa !== true || (anchor.keyUsage !== undefined && !hasKeyUsage(anchor, KeyUsageFlags.keyCertSign))) {
        return { ok: false, reason: 'anchor_not_ca' };
      }
      for (const c of path) {
        const t = timeFailure(c, now);
        if (t) return { ok: false, reason: t };
      }
      for (const c of path.slice(1)) if (!c.strongSignature) return { ok: false, reason: 'weak_chain_signature' };
      return { ok: true, path, anchor };
    }
    const next = chain.find((c) => !used.has(c) && c !== current && c.der.compare(current.der) !== 0 && issued(c, current));
    if (!next) return { ok: false, reason: 'untrusted_chain' };
    if (next.isCa !== true || (next.keyUsage !== undefined && !hasKeyUsage(next, KeyUsageFlags.keyCertSign))) {
      return { ok: false, reason: 'intermediate_not_ca' };
    }
    used.add(next);
    path.push(next);
    current = next;
  }
  return { ok: false, reason: 'untrusted_chain' };
}
