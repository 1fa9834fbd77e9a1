/**
 * Subject alternative names as typed on the command line (`--san dns:web-1.example.com`), the same
 * four kinds the CA binds to tokens, checked by the one name policy the CA applies too
 * (common/src/name-policy.ts; docs/ca-api.md "Names"): a name the CA would refuse is refused here,
 * before anything is sent, with the same reason. A bare name without a prefix is a DNS name.
 */
import { checkSan, type NameSan, type NameSanType } from '../../../common/src/name-policy.js';
import { caClientError } from './errors.js';

export type SanType = NameSanType;
export type San = NameSan;

/** Parse `TYPE:VALUE` (or a bare DNS name) into its canonical form (DNS names as A-labels). */
export function parseSan(input: string): San {
  const r = checkSan(String(input).trim(), { bareIsDns: true });
  if (!r.ok) throw caClientError('san_invalid', `${r.reason} (a SAN is dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS)`);
  return r.value;
}

/** `TYPE:VALUE` spelling, as accepted by `--san`. */
export function formatSan(san: San): string {
  return `${san.type}:${san.value}`;
}
