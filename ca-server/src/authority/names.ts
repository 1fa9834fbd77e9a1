/**
 * Names bound to an enrollment token: the subject (CN, also the host name used by inventory and
 * host revocation) and SANs as `type:value` strings (`dns:web-1.example`).
 */
import { isIP } from 'node:net';
import { checkSans, MAX_SANS } from '../../../common/src/contract/names.js';
import { checkSubject } from '../../../common/src/name-policy.js';
import { caError } from '../errors.js';
import type { SubjectAltName } from '../x509/types.js';

export { MAX_SANS };
const DNS_RE = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/**
 * A subject for a NEW enrollment token: the name policy (common/src/name-policy.ts, docs/ca-api.md
 * "Names"), so that what is accepted can be issued and then used with Roles Anywhere.
 */
export function validateSubject(subject: string): string {
  const r = checkSubject(subject);
  if (!r.ok) throw caError('invalid_request', `subject: ${r.reason}.`);
  return r.value;
}

/**
 * A host named in a lookup (revoke, unblock): 1–64 characters without C0 controls, the rule tokens
 * were created with before the name policy. Looser than {@link validateSubject} on purpose: a
 * host enrolled before the policy (with a C1 or bidi character, say) must stay revocable.
 */
export function validateHostReference(host: string): string {
  // eslint-disable-next-line no-control-regex
  if (host.length < 1 || host.length > 64 || /[\u0000-\u001f\u007f]/.test(host)) {
    throw caError('invalid_request', 'A host name is 1-64 characters without control characters.');
  }
  return host;
}

/**
 * Parses a STORED `type:value` (a token's or a certificate's names) into what the encoder takes:
 * syntax only, so that names bound before the name policy still renew. New names go through
 * {@link validateSans}.
 */
export function parseSan(text: string): SubjectAltName {
  const m = /^(dns|uri|ip|email):(.+)$/i.exec(text);
  if (!m || text.length > 1024) throw caError('invalid_request', `SAN "${text.slice(0, 80)}" must be dns:, uri:, ip: or email: followed by a value.`);
  const type = m[1]!.toLowerCase() as SubjectAltName['type'];
  const value = m[2]!;
  switch (type) {
    case 'dns':
      if (!DNS_RE.test(value)) throw caError('invalid_request', 'A dns: SAN must be a host name.');
      return { type, value: value.toLowerCase() };
    case 'ip':
      if (isIP(value) === 0) throw caError('invalid_request', 'An ip: SAN must be an IPv4 or IPv6 address.');
      return { type, value: canonicalIp(value) };
    case 'uri':
      try {
        const u = new URL(value);
        if (!u.protocol) throw new Error('no scheme');
      } catch {
        throw caError('invalid_request', 'A uri: SAN must be an absolute URI.');
      }
      return { type, value };
    case 'email':
      if (!/^[^@\s]+@[^@\s]+$/.test(value)) throw caError('invalid_request', 'An email: SAN must be an address.');
      return { type, value };
  }
}

export function sanToString(san: SubjectAltName): string {
  const v = san.type === 'dns' ? san.value.toLowerCase() : san.type === 'ip' ? canonicalIp(san.value) : san.value;
  return `${san.type}:${v}`;
}

/**
 * SANs for a NEW enrollment token: the contract's list rule (common/src/contract/names.ts, the one
 * the CLI checks `--san` with) over the name policy: canonical strings (DNS as lower-case A-labels,
 * IPv6 in RFC 5952 form), sorted, at most {@link MAX_SANS}, duplicates refused.
 */
export function validateSans(list: readonly string[]): string[] {
  const r = checkSans(list);
  if (!r.ok) throw caError('invalid_request', `SANs: ${r.reason}.`);
  return r.value;
}

/** Same set of names, order and DNS case ignored. */
export function sameSanSet(a: readonly SubjectAltName[], b: readonly string[]): boolean {
  const as = a.map(sanToString).sort();
  const bs = [...b].sort();
  return as.length === bs.length && as.every((v, i) => v === bs[i]);
}

function canonicalIp(v: string): string {
  if (isIP(v) === 4) return v;
  // Expand and re-compress through URL parsing, which yields the RFC 5952 form.
  try {
    return new URL(`http://[${v}]/`).hostname.slice(1, -1);
  } catch {
    return v.toLowerCase();
  }
}
