/**
 * The one way a failed command is reported, for every command of the CLI: on stderr
 *
 *     rapki: <code>: <message>
 *     hint: <what to do next>          (only when the registry has a hint for the code)
 *
 * and the exit status from the registry (1 unless it says otherwise). With `--json` (the
 * commands that print their result as JSON) stdout also gets `{"error":{"code","message"}}`.
 *
 * The code comes from the registry (common/src/errors/registry.ts) in its current spelling; an
 * error that carries no code (a bug, a library's plain Error) is `internal_error` with its message.
 * Messages are display-escaped (they may quote names from the CA or the user). Stack traces only
 * with RAPKI_DEBUG set (RAPKI_DEBUG_STACK=1 is the older spelling): they may name files of secrets.
 *
 * The credential-process start-up path loads this module (and the registry) only when it fails.
 */
import { displayText } from '../../common/src/display-text.js';
import { isRapkiError } from '../../common/src/errors.js';
import { canonicalCode, errorSpec } from '../../common/src/errors/registry.js';

/** What is reported about one failure. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly exit: number;
}

/** Where a report goes (a view of the command's I/O, cli/src/io.ts). */
export interface ReportSink {
  readonly env: NodeJS.ProcessEnv;
  stderr(text: string): void;
  stdout?(data: string): void | Promise<void>;
}

/** The code, message, hint and exit status of any thrown value. */
export function failureOf(err: unknown): Failure {
  if (isRapkiError(err)) {
    const spec = errorSpec(err.code);
    return { code: canonicalCode(err.code) ?? err.code, message: err.message, hint: spec?.hint, exit: spec?.exit ?? 1 };
  }
  return { code: 'internal_error', message: err instanceof Error ? err.message : String(err), exit: 1 };
}

/** The stderr lines of a failure, each ending in a newline. */
export function failureText(f: Failure): string {
  return `rapki: ${f.code}: ${displayText(f.message)}\n${f.hint ? `hint: ${displayText(f.hint)}\n` : ''}`;
}

/** `<code>: <message>` of a failure on one line, for log lines of commands that keep running (a retry). */
export function failureSummary(err: unknown): string {
  const f = failureOf(err);
  return `${f.code}: ${displayText(f.message)}`;
}

/** Reports `err` and returns the exit status. */
export function reportFailure(err: unknown, sink: ReportSink, opts: { json?: boolean | undefined } = {}): number {
  const f = failureOf(err);
  sink.stderr(failureText(f));
  if (opts.json && sink.stdout) void sink.stdout(`${JSON.stringify({ error: { code: f.code, message: f.message } })}\n`);
  if ((sink.env['RAPKI_DEBUG'] || sink.env['RAPKI_DEBUG_STACK'] === '1') && err instanceof Error && err.stack) sink.stderr(`${err.stack}\n`);
  return f.exit;
}
