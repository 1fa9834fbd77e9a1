/** Headers the official helper never signs (aws_signing_helper/signer.go), compared lower-case. */
export const UNSIGNED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

/** Result of {@link canonicalHeaders}. */
export interface CanonicalHeaders {
  /** `name:value` lines joined by `\n`, WITHOUT a trailing newline (the helper's form). */
  readonly canonical: string;
  /** Lower-case names joined by `;`. */
  readonly signedHeaders: string;
}

/**
 * Canonical headers and signed-headers list as the official helper builds them
 * (`createCanonicalHeaderString`, aws_signing_helper/signer.go): names lower-cased and sorted, values of
 * repeated names joined by `,`, each `name:value` entry trimmed with runs of spaces collapsed to one;
 * `Authorization`, `User-Agent`, `X-Amzn-Trace-Id` skipped.
 *
 * Why not `@smithy/signature-v4`: its exported `getCanonicalHeaders` returns a map with its own
 * unsignable list (cache-control, connection, expect, … also dropped), and the string form (with a
 * trailing newline) is built in a private method of `SignatureV4`; `@smithy/util-uri-escape` would fit
 * `uriEncode` but throws on lone surrogates. Importing either also puts their module graph on the
 * `credential-process` start-up path for a few lines of code, so the steps are written here and pinned
 * by the known-answer vectors.
 */
export function canonicalHeaders(headers: Readonly<Record<string, string | readonly string[]>>): CanonicalHeaders {
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNED_HEADERS.has(lower)) continue;
    const list = merged.get(lower) ?? [];
    if (typeof value === 'string') list.push(value);
    else list.push(...value);
    merged.set(lower, list);
  }
  const names = [...merged.keys()].sort();
  const lines = names.map((name) => collapseSpaces(`${name}:${(merged.get(name) as string[]).join(',')}`));
  return { canonical: lines.join('\n'), signedHeaders: names.join(';') };
}

/** Go `stripExcessSpaces`: trim, then every run of spaces becomes one space. */
function collapseSpaces(entry: string): string {
  const trimmed = entry.trim();
  return trimmed.includes('  ') ? trimmed.replace(/ {2,}/g, ' ') : trimmed;
}
