/**
 * What the registry knows about one error code (common/src/errors/registry.ts).
 *
 * Why one shape for every component: the HTTP mapper takes the status from here, the CLI reporter
 * the exit code and the hint, `docs/errors.md` is generated from it, and a test checks the lot.
 */
export interface ErrorSpec {
  /** Safe default message (a RapkiError thrown without a message of its own carries it). */
  readonly message: string;
  /** HTTP status when the CA answers it; absent: never on the wire (the mapper answers 500 `internal_error`). */
  readonly http?: number;
  /** CLI exit status; absent: 1. */
  readonly exit?: number;
  /** What to do next: printed by the CLI as a second line, `hint: …`. */
  readonly hint?: string;
  /**
   * Older spellings of the same code that rapki emitted before (HTTP bodies, CLI lines). Clients
   * that compare codes accept them through `canonicalCode`/`codeMatches`; nothing emits them.
   */
  readonly aliases?: readonly string[];
  /** `details` of the error are safe to show and go into the HTTP body (`{code, message, details}`). */
  readonly publicDetails?: true;
}

/** A table of one area: code → spec. `satisfies` keeps the literal keys for the code union. */
export type ErrorTable = Readonly<Record<string, ErrorSpec>>;
