// Imports a TypeScript test-support module from a plain-node benchmark: esbuild bundles it to a
// temporary .mjs (node 20 cannot run .ts), so benchmarks reuse the same loopback verifier and test
// PKI as the tests instead of keeping copies.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = mkdtempSync(join(tmpdir(), 'rapki-bench-ts-'));

/** `await importTs(new URL('../test/support/x.ts', import.meta.url))` */
export async function importTs(url) {
  const file = url instanceof URL ? url.pathname : url;
  const outfile = join(outDir, `${file.replace(/[^a-z0-9]+/gi, '_')}.mjs`);
  await build({ entryPoints: [file], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', packages: 'external' });
  return import(pathToFileURL(outfile).href);
}
