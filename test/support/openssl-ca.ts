/**
 * openssl runs for the CA tests that need the exit status and stderr as well as stdout
 * (`verify`, `crl -CAfile` print their verdicts on stderr). Complements `openssl.ts`.
 */
import { execFile } from 'node:child_process';

export interface OpensslResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs openssl and resolves with code, stdout and stderr (never rejects on a non-zero exit). */
export function opensslRun(args: readonly string[], input?: string | Uint8Array): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', [...args], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err ? ((err as { code: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `openssl verify` with the given arguments: ok + combined output. */
export async function opensslVerify(args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  const r = await opensslRun(['verify', ...args]);
  return { ok: r.code === 0 && /: OK\s*$/.test(r.stdout), output: `${r.stdout}${r.stderr}` };
}
