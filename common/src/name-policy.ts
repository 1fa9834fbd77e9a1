/**
 * The one character policy for the names rapki puts in certificates (docs/ca-api.md "Names"):
 * the subject CN (also the host name of inventory and host revocation) and each kind of SAN.
 * The CA applies it when an enrollment token is created and the CLI applies it before sending,
 * so whatever is accepted can be issued and then used with IAM Roles Anywhere.
 *
 * Why these rules:
 * - Roles Anywhere turns the subject's CN and the first DNS and URI SAN into session tags
 *   (`x509Subject/CN`, `x509SAN/DNS`, `x509SAN/URI`) and refuses the session when a value does not
 *   fit the STS tag pattern `[\p{L}\p{Z}\p{N}_.:/=+\-@]*` of at most 256 characters ("Some
 *   attributes failed to be mapped into session tags"): `bad name!` enrolled and then never got
 *   credentials. The CN and URIs are held to that pattern (URIs, written as IA5String, in ASCII).
 * - Text that deceives a reader is refused: controls (C0, C1), bidi overrides and isolates
 *   (U+202A-202E, U+2066-2069), zero-width and other invisible format characters, lone surrogates,
 *   spaces other than U+0020, compatibility forms (anything NFKC changes: fullwidth letters,
 *   ligatures, superscripts), digits other than 0-9, modifier letters, and letters of more than one
 *   script (`pаypal` with a Cyrillic а; Latin with Han, Hiragana, Katakana, Bopomofo or Hangul is
 *   allowed, as UTS #39 "highly restrictive" does).
 * - DNS names are LDH labels; an internationalised name is written as its A-labels (RFC 5280
 *   §7.2): a U-label given is converted with `url.domainToASCII` (UTS #46) and the token then
 *   carries the A-label; an A-label is decoded and its Unicode form held to the same letter rules.
 * - E-mail addresses and URIs must be ASCII (the certificate encodes them as IA5String; RFC 8398
 *   SmtpUTF8Mailbox is not supported); an e-mail's domain follows the DNS rules.
 *
 * Pure functions without I/O; each check returns the canonical value or the reason it was refused,
 * and the caller raises its own coded error.
 */
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

export type NameSanType = 'dns' | 'ip' | 'uri' | 'email';

export interface NameSan {
  readonly type: NameSanType;
  readonly value: string;
}

export type NameCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** RFC 5280 ub-common-name. */
export const SUBJECT_MAX_CHARS = 64;
/** STS session tag values are at most 256 characters (`x509SAN/URI`). */
export const URI_MAX_CHARS = 256;
const DNS_MAX_CHARS = 253;
const EMAIL_MAX_CHARS = 254;

/**
 * Letters accepted in names: cased and other letters, not marks; modifier letters only where
 * Japanese and Chinese writing needs them (the prolonged sound mark ー, the iteration marks 々 ゝ ヽ).
 */
const CJK_MODIFIER = /\p{Lm}/u;
const CJK_SCX = /[\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Han}]/u;
const BASE_LETTER = /[\p{Lu}\p{Ll}\p{Lt}\p{Lo}]/u;
const LETTER = { test: (ch: string): boolean => BASE_LETTER.test(ch) || (CJK_MODIFIER.test(ch) && CJK_SCX.test(ch)) };
/** The punctuation a CN may hold besides letters, ASCII digits and single inner spaces: the STS tag pattern's. */
const SUBJECT_PUNCT = /[_.:/=+\-@]/;
/** URI characters that are ASCII and fit the STS tag pattern. */
const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9_.:/=+\-@]+$/;
/** RFC 5322 dot-atom local part, ASCII. */
const EMAIL_LOCAL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LDH_LABEL_RE = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Scripts told apart for the mixed-script rule (UTS #24 Script property). A letter outside all of
 * them is refused: names for hosts do not need the rest, and an unknown script cannot be checked.
 */
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Georgian',
  'Hangul',
  'Ethiopic',
  'Cherokee',
  'Canadian_Aboriginal',
  'Khmer',
  'Mongolian',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
] as const;
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);
/** Script sets that may mix (UTS #39 §5.2 "Highly Restrictive"). */
const MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why one character is not allowed, in words an operator understands. */
function whyRefused(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (/\p{Cc}/u.test(ch)) return `${hex(cp)} is a control character`;
  if (/\p{Cs}/u.test(ch)) return `${hex(cp)} is a lone surrogate (not a character)`;
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c) {
    return `${hex(cp)} is a bidirectional control character`;
  }
  if (/\p{Cf}/u.test(ch)) return `${hex(cp)} is an invisible formatting character (zero-width or similar)`;
  if (/[\p{Z}]/u.test(ch)) return `${hex(cp)} is a space other than U+0020`;
  if (/\p{Lm}/u.test(ch)) return `${hex(cp)} is a modifier letter`;
  if (/\p{M}/u.test(ch)) return `${hex(cp)} is a combining mark (write the precomposed letter)`;
  if (/\p{N}/u.test(ch)) return `${hex(cp)} is a digit or number other than 0-9`;
  return `${JSON.stringify(ch)} (${hex(cp)}) is not allowed`;
}

/** First character of `s` that is a control, invisible, bidi, lone surrogate or unassigned. */
function deceptive(s: string): string | undefined {
  return /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.exec(s)?.[0];
}

/** The reason letters of `s` mix scripts, or undefined. */
function mixedScripts(s: string): string | undefined {
  const seen = new Set<string>();
  for (const ch of s) {
    if (!LETTER.test(ch)) continue;
    const script = SCRIPT_RES.find(([, re]) => re.test(ch))?.[0] ?? (CJK_SCX.test(ch) ? 'Katakana' : undefined);
    if (!script) return `${JSON.stringify(ch)} (${hex(ch.codePointAt(0)!)}) is a letter of a script names may not use`;
    seen.add(script);
  }
  if (seen.size <= 1 || MIXES.some((m) => [...seen].every((x) => m.has(x)))) return undefined;
  return `it mixes letters of ${[...seen].join(' and ')} (look-alike letters)`;
}

/** Compatibility forms, marks and width variants: the text must be its own NFKC form. */
function notNfkc(s: string): string | undefined {
  if (s === s.normalize('NFKC')) return undefined;
  for (const ch of s)
    if (ch !== ch.normalize('NFKC'))
      return `${JSON.stringify(ch)} (${hex(ch.codePointAt(0)!)}) is a compatibility form; write ${JSON.stringify(ch.normalize('NFKC'))}`;
  return 'it is not in NFKC form (write precomposed letters)';
}

/**
 * A subject CN / host name: 1-64 characters; letters of one script (see above), ASCII digits,
 * single inner spaces and `_ . : / = + - @`; nothing that deceives a reader.
 */
export function checkSubject(subject: unknown): NameCheck<string> {
  if (typeof subject !== 'string') return { ok: false, reason: 'the subject must be a string' };
  const chars = [...subject];
  if (chars.length < 1 || chars.length > SUBJECT_MAX_CHARS) return { ok: false, reason: `the subject must be 1-${SUBJECT_MAX_CHARS} characters` };
  const bad = deceptive(subject);
  if (bad) return { ok: false, reason: `${whyRefused(bad)}` };
  if (subject !== subject.trim() || subject.includes('  ')) return { ok: false, reason: 'no spaces at the start or end, and no two in a row' };
  for (const ch of chars) {
    if (ch === ' ' || SUBJECT_PUNCT.test(ch) || (ch >= '0' && ch <= '9') || LETTER.test(ch)) continue;
    return {
      ok: false,
      reason: `${whyRefused(ch)}; a subject holds letters, digits 0-9, spaces and _ . : / = + - @ (what Roles Anywhere can turn into a session tag)`,
    };
  }
  const nf = notNfkc(subject);
  if (nf) return { ok: false, reason: nf };
  const mixed = mixedScripts(subject);
  if (mixed) return { ok: false, reason: mixed };
  return { ok: true, value: subject };
}

/** A DNS name as LDH A-labels (U-labels converted), lower case, without a trailing dot or wildcard. */
export function checkDnsName(name: string): NameCheck<string> {
  if (name.length === 0 || name.length > 1024) return { ok: false, reason: 'empty or too long' };
  const bad = deceptive(name);
  if (bad) return { ok: false, reason: whyRefused(bad) };
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(name) ? name.toLowerCase() : domainToASCII(name);
  if (!ascii) return { ok: false, reason: 'not a valid internationalised domain name' };
  if (ascii.length > DNS_MAX_CHARS) return { ok: false, reason: `longer than ${DNS_MAX_CHARS} characters` };
  for (const label of ascii.split('.')) {
    if (!LDH_LABEL_RE.test(label))
      return { ok: false, reason: `label ${JSON.stringify(label)} is not letters, digits, - and _ (1-63 characters, no - at either end)` };
    if (/^..--/.test(label) && !label.startsWith('xn--'))
      return { ok: false, reason: `label ${JSON.stringify(label)} has -- in positions 3-4 (reserved, RFC 5891 §4.2.3.1)` };
    if (label.startsWith('xn--')) {
      const u = domainToUnicode(label);
      if (!u || u === label || domainToASCII(u) !== label) return { ok: false, reason: `${JSON.stringify(label)} is not a valid A-label` };
      const why = deceptive(u) ?? undefined;
      if (why) return { ok: false, reason: `${JSON.stringify(label)} decodes to text with ${whyRefused(why)}` };
      const mixed = mixedScripts(u);
      if (mixed) return { ok: false, reason: `${JSON.stringify(label)} (${u}): ${mixed}` };
    }
  }
  return { ok: true, value: ascii };
}

function checkIp(value: string): NameCheck<string> {
  const kind = isIP(value);
  if (kind === 4) return { ok: true, value };
  if (kind !== 6 || value.includes('%')) return { ok: false, reason: 'not an IPv4 or IPv6 address (no zone index)' };
  try {
    // URL parsing yields the RFC 5952 text form.
    return { ok: true, value: new URL(`http://[${value}]/`).hostname.slice(1, -1) };
  } catch {
    return { ok: false, reason: 'not an IPv6 address' };
  }
}

function checkUri(value: string): NameCheck<string> {
  if (value.length > URI_MAX_CHARS) return { ok: false, reason: `longer than ${URI_MAX_CHARS} characters (the most a session tag holds)` };
  const bad = deceptive(value);
  if (bad) return { ok: false, reason: whyRefused(bad) };
  if (!URI_RE.test(value)) {
    return {
      ok: false,
      reason:
        'a URI must be ASCII with a scheme, using only letters, digits and _ . : / = + - @ (what the certificate and a Roles Anywhere session tag can hold; no %-escapes, ? or #)',
    };
  }
  try {
    new URL(value);
  } catch {
    return { ok: false, reason: 'not an absolute URI' };
  }
  return { ok: true, value };
}

function checkEmail(value: string): NameCheck<string> {
  if (value.length > EMAIL_MAX_CHARS) return { ok: false, reason: `longer than ${EMAIL_MAX_CHARS} characters` };
  const bad = deceptive(value);
  if (bad) return { ok: false, reason: whyRefused(bad) };
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return { ok: false, reason: 'not an address (local@domain)' };
  const local = value.slice(0, at);
  if (local.length > 64 || !EMAIL_LOCAL_RE.test(local)) {
    return { ok: false, reason: "the local part must be ASCII letters, digits and !#$%&'*+/=?^_`{|}~.- (no quoted or internationalised local parts)" };
  }
  const domain = checkDnsName(value.slice(at + 1));
  if (!domain.ok) return { ok: false, reason: `domain: ${domain.reason}` };
  return { ok: true, value: `${local}@${domain.value}` };
}

/**
 * One SAN as `type:value` (type `dns`, `ip`, `uri` or `email`; with `bareIsDns` a value without a
 * known prefix is a DNS name), checked and in canonical form: DNS names as lower-case A-labels,
 * IPv6 compressed (RFC 5952), e-mail domains as A-labels.
 */
export function checkSan(text: unknown, o: { readonly bareIsDns?: boolean } = {}): NameCheck<NameSan> {
  if (typeof text !== 'string' || text.length === 0 || text.length > 1100) return { ok: false, reason: 'a SAN must be a non-empty string' };
  const m = /^(dns|ip|uri|email):(.+)$/is.exec(text);
  if (!m && !o.bareIsDns) return { ok: false, reason: 'a SAN must be dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS' };
  const type = (m ? m[1]!.toLowerCase() : 'dns') as NameSanType;
  const value = m ? m[2]! : text;
  const r = type === 'dns' ? checkDnsName(value) : type === 'ip' ? checkIp(value) : type === 'uri' ? checkUri(value) : checkEmail(value);
  return r.ok
    ? { ok: true, value: { type, value: r.value } }
    : { ok: false, reason: `${type}:${JSON.stringify(value.slice(0, 100)).slice(1, -1)}: ${r.reason}` };
}
