/** Runs `store-worker.ts` in separate node processes (bundled once per test file). */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { WorkerResult, WorkerTask } from './store-worker.js';

const root = new URL('../../../', import.meta.url).pathname;
// Inside node_modules/.cache so that the bundle's external packages (pg, better-sqlite3) resolve.
const outDir = join(root, 'node_modules', '.cache', 'rapki-test');
let bundled: Promise<string> | undefined;

function bundle(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `store-worker-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, 'test/ca-server/store/store-worker.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

/** Starts every task in its own process at once; resolves with their results (rejects if one fails). */
export async function runWorkers(tasks: readonly WorkerTask[], timeoutMs = 60_000): Promise<WorkerResult[]> {
  const file = await bundle();
  return Promise.all(
    tasks.map(
      (t) =>
        new Promise<WorkerResult>((resolve, reject) => {
          const child = spawn(process.execPath, [file, JSON.stringify(t)], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (b) => (out += b));
          child.stderr.on('data', (b) => (err += b));
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.on('close', (code, signal) => {
            clearTimeout(timer);
            if (code !== 0) return reject(new Error(`worker ${t.id} exited ${code ?? signal}: ${err}`));
            try {
              resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
            } catch {
              reject(new Error(`worker ${t.id} printed no result: ${out} ${err}`));
            }
          });
        }),
    ),
  );
}
