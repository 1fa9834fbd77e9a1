/**
 * The names bound to an enrollment token, as a request carries them: the subject and the list of
 * SANs, each under the one name policy (common/src/name-policy.ts, docs/ca-api.md "Names"), and
 * the list itself: at most {@link MAX_SANS}, no duplicates, sorted canonical `type:value` strings.
 * The CA applies it when a token is created and the CLI before it sends `token create`.
 */
import { checkSan, type NameCheck, type NameSan } from '../name-policy.js';

export { checkSan, checkSubject, SUBJECT_MAX_CHARS, type NameCheck, type NameSan, type NameSanType } from '../name-policy.js';

/** SANs per token at most. */
export const MAX_SANS = 20;
/** Longest SAN text a request may carry (the policy refuses longer values anyway). */
export const SAN_MAX_CHARS = 1024;

/** `type:value` of a checked SAN (its canonical spelling). */
export function formatSan(san: NameSan): string {
  return `${san.type}:${san.value}`;
}

/**
 * The SAN list of a new token, canonical and sorted; refused when longer than {@link MAX_SANS},
 * when a SAN is refused by the policy, or when two SANs are the same name. `bareIsDns`: the CLI
 * takes a name without a `type:` prefix as a DNS name (`--san web-1.example`); the API does not.
 */
export function checkSans(list: readonly unknown[], o: { readonly bareIsDns?: boolean } = {}): NameCheck<string[]> {
  if (list.length > MAX_SANS) return { ok: false, reason: `at most ${MAX_SANS} SANs` };
  const out: string[] = [];
  for (const s of list) {
    const r = checkSan(typeof s === 'string' && o.bareIsDns ? s.trim() : s, o);
    if (!r.ok) return { ok: false, reason: r.reason };
    out.push(formatSan(r.value));
  }
  const dup = out.find((s, i) => out.indexOf(s) !== i);
  if (dup !== undefined) return { ok: false, reason: `${dup} is given twice` };
  return { ok: true, value: out.sort() };
}
