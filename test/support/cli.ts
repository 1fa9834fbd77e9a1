/**
 * Runs the BUILT CLI (`node bin/rapki.mjs …`, the bundle `npm run build` makes) as a child process,
 * the way credential_process and users run it, and collects exit code, stdout (bytes) and stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RAPKI_BIN = fileURLToPath(new URL('../../bin/rapki.mjs', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stdout as UTF-8. */
  readonly out: string;
}

/** Fails early with a clear message when the bundle is missing. */
export function assertBuilt(): void {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli.mjs', import.meta.url)))) {
    throw new Error('dist/cli.mjs is missing: run `npm run build` before the CLI tests (npm test does)');
  }
}

/**
 * Runs `rapki ...args`. `env` replaces the environment except PATH/HOME/SYSTEMROOT (so a
 * developer's AWS_* or proxy variables cannot leak into the test); `timeoutMs` kills a hung child.
 * Each run gets a fresh, empty XDG_RUNTIME_DIR (the credential cache lives there) unless `env`
 * names one, so runs neither see each other's cached credentials nor touch the user's cache.
 */
export function runCli(
  args: readonly string[],
  opts: { env?: Record<string, string | undefined>; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  assertBuilt();
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  let runtimeDir: string | undefined;
  if (env.XDG_RUNTIME_DIR === undefined) env.XDG_RUNTIME_DIR = runtimeDir = mkdtempSync(join(tmpdir(), 'rapki-cli-run-'));
  const cleanup = (): void => {
    if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RAPKI_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      cleanup();
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      cleanup();
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(opts.input ?? '');
  });
}
