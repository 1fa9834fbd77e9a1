// Loads the CA server's X.509 layer for a benchmark: dist/ca-server.mjs when built, otherwise
// ca-server/src/index.ts bundled into a temporary directory with esbuild (node 20 cannot run .ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../..', import.meta.url).pathname;

export async function loadCaServer() {
  const dist = join(root, 'dist', 'ca-server.mjs');
  if (existsSync(dist)) return import(pathToFileURL(dist).href);
  const { build } = await import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'rapki-bench-'));
  await build({
    entryPoints: { 'ca-server': join(root, 'ca-server/src/index.ts') },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  const mod = await import(pathToFileURL(join(out, 'ca-server.mjs')).href);
  rmSync(out, { recursive: true, force: true });
  return mod;
}
