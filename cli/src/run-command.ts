/**
 * Runs the body of a command and turns a failure into its report and exit status, through the one
 * reporter (cli/src/report.ts). Every handler's body runs here.
 *
 * Light on purpose: on the credential-process start-up path, which loads the reporter (and the
 * error registry it reads) only when the command fails.
 */
import type { ReportSink } from './report.js';

/**
 * `body` resolves to the exit status (nothing: 0); a thrown error is reported and its status
 * returned. With `json`, the report also goes to stdout as `{"error":{code,message}}`.
 */
export async function runCommand(io: ReportSink, body: () => Promise<number | void>, opts: { json?: boolean | undefined } = {}): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (err) {
    const { reportFailure } = await import('./report.js');
    return reportFailure(err, io, opts);
  }
}
