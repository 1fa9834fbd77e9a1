/**
 * Subject alternative names as typed on the command line (`--san dns:web-1.example.com`), checked
 * by the contract's name rules (common/src/contract/names.ts: the one name policy the CA applies
 * too; docs/ca-api.md "Names"): a name the CA would refuse is refused here, before anything is
 * sent, with the same reason. A bare name without a prefix is a DNS name.
 */
import { checkSan, checkSans, formatSan, type NameSan, type NameSanType } from '../../../common/src/contract/names.js';
import { caClientError } from './errors.js';

export type SanType = NameSanType;
export type San = NameSan;
export { formatSan };

const FORMS = 'a SAN is dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS';

/** Parse `TYPE:VALUE` (or a bare DNS name) into its canonical form (DNS names as A-labels). */
export function parseSan(input: string): San {
  const r = checkSan(String(input).trim(), { bareIsDns: true });
  if (!r.ok) throw caClientError('san_invalid', `${r.reason} (${FORMS})`);
  return r.value;
}

/** The `--san` list of a new token as the CA will bind it: canonical, sorted, at most 20, no name twice. */
export function parseSanList(inputs: readonly string[]): string[] {
  const r = checkSans(inputs.map(String), { bareIsDns: true });
  if (!r.ok) throw caClientError('san_invalid', `${r.reason} (${FORMS})`);
  return r.value;
}
