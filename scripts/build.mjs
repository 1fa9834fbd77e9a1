// Bundles the CLI and the public entry points with esbuild.
// Why a bundle: `rapki credential-process` runs once per AWS CLI call, so start-up time is a
// feature (goal: <= 1.5x a bare `node -e 0`). One small entry chunk plus lazily loaded chunks
// keeps yargs, the AWS SDK, express and SQLite off that path.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: {
    cli: 'cli/src/main.ts',
    signer: 'signer/src/index.ts',
    emulator: 'emulator/src/index.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __RAPKI_VERSION__: JSON.stringify(pkg.version) },
  // Native addons and packages that spawn workers stay in node_modules.
  external: ['better-sqlite3', 'pino', 'pkcs11js', 'graphene-pk11'],
  banner: {
    js: "import { createRequire as __rapkiCreateRequire } from 'node:module'; const require = __rapkiCreateRequire(import.meta.url);",
  },
});
