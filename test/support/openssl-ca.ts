/**
 * openssl runs for the CA tests that need the exit status and stderr as well as stdout
 * (`verify`, `crl -CAfile` print their verdicts on stderr). The runner itself is in `openssl.ts`.
 */
import { opensslRun } from './openssl.js';

export { opensslRun, type OpensslResult } from './openssl.js';

/** `openssl verify` with the given arguments: ok + combined output. */
export async function opensslVerify(args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  const r = await opensslRun(['verify', ...args]);
  return { ok: r.code === 0 && /: OK\s*$/.test(r.stdout), output: `${r.stdout}${r.stderr}` };
}
