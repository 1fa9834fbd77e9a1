/** Parts of a canonical request (Roles Anywhere User Guide, "Signing process", Task 1). */
export interface CanonicalRequestParts {
  readonly method: string;
  /** The canonical URI; for CreateSession always the literal `/sessions`. */
  readonly path: string;
  readonly canonicalQuery: string;
  /** Header lines joined by `\n` without a trailing newline (see `canonical-headers.ts`). */
  readonly canonicalHeaders: string;
  readonly signedHeaders: string;
  readonly payloadHash: string;
}

/**
 * SigV4 canonical request ("Task 1"): method, URI, query, headers, a blank line, signed headers,
 * payload hash. The helper joins header lines without a trailing newline and then inserts an empty
 * line, which gives the same bytes as SigV4's "headers each followed by \n" + "\n".
 */
export function canonicalRequest(p: CanonicalRequestParts): string {
  return [p.method, p.path, p.canonicalQuery, p.canonicalHeaders, '', p.signedHeaders, p.payloadHash].join('\n');
}
