/**
 * Runs a real CA server as child processes: `rapki ca init --json` then `rapki ca serve` on
 * 127.0.0.1:0, and returns what clients need (url, root fingerprint, admin token, root PEM path).
 * Shared by the CA server tests and the CLI end-to-end tests.
 *
 * Needs the bundle (`npm run build`); it is built once if `dist/cli.mjs` is missing.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const RAPKI_BIN = join(REPO_ROOT, 'bin', 'rapki.mjs');
export const TEST_CA_PASSPHRASE = 'test-only-ca-passphrase';

export interface CaServerProcess {
  readonly dir: string;
  readonly url: string;
  readonly port: number;
  /** SHA-256 hex of the root DER. */
  readonly fingerprint: string;
  readonly adminToken: string;
  /** Path of the root PEM. */
  readonly rootPem: string;
  readonly child: ChildProcess;
  /** Everything the server wrote to stderr so far (pino JSON lines). */
  stderr(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** Stop and start again on the same directory (new port unless `samePort`). */
  restart(opts?: { samePort?: boolean }): Promise<CaServerProcess>;
  /** Stop and delete the directory. */
  dispose(): Promise<void>;
}

export function ensureBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli.mjs'))) {
    execFileSync('flock', ['/tmp/rapki-build.lock', 'node', 'scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}

export function runRapki(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [RAPKI_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    }).toString();
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stdout?: Buffer; stderr?: Buffer };
    return { status: e.status, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

export interface StartOptions {
  /** Existing CA directory (skips init); otherwise a new temp dir is initialised. */
  readonly dir?: string;
  readonly adminToken?: string;
  readonly intermediate?: boolean;
  readonly keyType?: 'ec-p256' | 'ec-p384' | 'rsa-3072' | 'rsa-4096';
  readonly listen?: string;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Run `ca serve` with this open-file limit (`prlimit --nofile`), as a small `ulimit -n` would. */
  readonly fdLimit?: number;
}

export async function startCaServerProcess(o: StartOptions = {}): Promise<CaServerProcess> {
  ensureBuilt();
  const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE, ...o.env };
  let dir = o.dir;
  let adminToken = o.adminToken ?? '';
  if (!dir) {
    dir = join(mkdtempSync(join(tmpdir(), 'rapki-ca-')), 'ca');
    const args = ['ca', 'init', '--dir', dir, '--json', '--key-type', o.keyType ?? 'ec-p256'];
    if (o.intermediate) args.push('--intermediate');
    const r = runRapki(args, env);
    if (r.status !== 0) throw new Error(`rapki ca init failed (${r.status}): ${r.stderr}`);
    adminToken = (JSON.parse(r.stdout) as { adminToken: string }).adminToken;
  }
  return spawnServe(dir, adminToken, o, env, !o.dir);
}

function spawnServe(dir: string, adminToken: string, o: StartOptions, env: NodeJS.ProcessEnv, owned: boolean): Promise<CaServerProcess> {
  const serveArgs = [RAPKI_BIN, 'ca', 'serve', '--dir', dir, '--listen', o.listen ?? '127.0.0.1:0', ...(o.extraArgs ?? [])];
  const [cmd, args] =
    o.fdLimit === undefined ? [process.execPath, serveArgs] : ['prlimit', [`--nofile=${o.fdLimit}:${o.fdLimit}`, '--', process.execPath, ...serveArgs]];
  const child = spawn(cmd, args, {
    env: { ...process.env, RAPKI_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`rapki ca serve did not start in time; stderr:\n${err}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rejectStart(new Error(`rapki ca serve exited with ${code}; stderr:\n${err}`));
    });
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^rapki ca listening on (https:\/\/\S+?:(\d+)) fingerprint=([0-9a-f]{64})$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const self: CaServerProcess = {
        dir,
        url: m[1]!,
        port: Number(m[2]),
        fingerprint: m[3]!,
        adminToken,
        rootPem: join(dir, 'root.pem'),
        child,
        stderr: () => err,
        async stop() {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
        async restart(r = {}) {
          await self.stop();
          return spawnServe(dir, adminToken, { ...o, listen: r.samePort ? `127.0.0.1:${self.port}` : o.listen }, env, owned);
        },
        async dispose() {
          await self.stop();
          if (owned) rmSync(resolve(dir, '..'), { recursive: true, force: true });
        },
      };
      resolveStart(self);
    });
  });
}
