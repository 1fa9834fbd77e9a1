// Bundles the CLI and the public entry points with esbuild.
// Why a bundle: `rapki credential-process` runs once per AWS CLI call, so start-up time is a
// feature (goals: <= 1.5x a bare `node -e 0` with a CreateSession, <= 1.15x on a cache hit).
// - dist/credential-process.cjs: that command alone, ONE CommonJS file that bin/rapki.cjs
//   require()s. CommonJS because the ESM loader alone costs ~7% of a bare Node start, and because
//   `import ... from 'node:fs'` in ESM builds the module's whole namespace (fs/promises, streams);
//   a bundled `require('node:fs')` does not. The miss path (key loading, CreateSession) sits in the
//   same file as lazily initialised closures: parsed, not run, on a cache hit.
// - dist/cli.mjs: every other command; one small entry chunk plus lazily loaded chunks keeps
//   yargs, the AWS SDK, express and SQLite off each other's paths.
// - dist/ui/: the web console's script, style sheet and icon (ca-server/src/ui/client), served by
//   `rapki ca serve` from this directory; nothing is built at run time (docs/console.md).
// - dist/types/: TypeScript declarations of the published entry points `rapki/signer` and
//   `rapki/emulator` (package.json `exports` → `types`), by tsc with tsconfig.types.json, run
//   alongside esbuild.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** Entry of the TPM key source, kept out of dist/credential-process.cjs (see siblingBundlePlugin). */
const TPM_SOURCE = 'signer/src/keys/tpm/tpm-key-signer.ts';
/** The CLI's failure reporter with the error registry: credential-process loads it only when it fails. */
const REPORT_SOURCE = 'cli/src/report.ts';

// Build into a fresh directory, then swap it in, so that a test running the previous build is not
// left without files half-way through.
const root = new URL('..', import.meta.url).pathname;
const tmp = `${root}dist.tmp-${process.pid}`;
const types = new Promise((resolve, reject) => {
  const tsc = spawn(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.types.json`, '--outDir', `${tmp}/types`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  tsc.on('error', reject);
  tsc.on('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`build: tsc -p tsconfig.types.json failed (${code})`))));
});
await build({
  entryPoints: {
    cli: 'cli/src/main.ts',
    signer: 'signer/src/index.ts',
    emulator: 'emulator/src/index.ts',
    'ca-server': 'ca-server/src/index.ts',
    // Worker thread of `ca serve` (CSR checks and lint on a second core): found next to the bundle.
    'ca-x509-worker': 'ca-server/src/authority/x509-worker-thread.ts',
  },
  outdir: tmp,
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
  external: ['better-sqlite3', 'pino', 'pkcs11js'],
  banner: {
    js: "import { createRequire as __rapkiCreateRequire } from 'node:module'; const require = __rapkiCreateRequire(import.meta.url);",
  },
});

await build({
  entryPoints: { 'credential-process': 'cli/src/fast/credential-process.ts' },
  outdir: tmp,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  // ASCII only (non-ASCII escaped): bin/rapki.cjs reads the file as latin1, without UTF-8 decoding.
  charset: 'ascii',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __RAPKI_VERSION__: JSON.stringify(pkg.version) },
  // Rare paths load their packages from node_modules (PKCS#12, PKCS#11) instead of
  // growing the file every credential-process call parses.
  external: ['pkcs11js', 'node-forge'],
  plugins: [
    lazyRequirePlugin(['pkcs11js', 'node-forge']),
    siblingBundlePlugin(TPM_SOURCE, 'tpm-key-signer.cjs'),
    siblingBundlePlugin(REPORT_SOURCE, 'report.cjs'),
  ],
});
// The TPM key source (signer/src/keys/tpm/) as a file of its own next to that bundle: a
// credential-process with a file key neither reads nor compiles it; a TPM key loads it on demand.
// Likewise the failure reporter and the error registry (~25 KB): only a failing run loads them.
await build({
  entryPoints: { 'tpm-key-signer': TPM_SOURCE, report: REPORT_SOURCE },
  outdir: tmp,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  charset: 'ascii',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// V8 code cache of that file (see scripts/credential-process-code-cache.cjs). Optional: without
// it bin/rapki.cjs compiles the file, a few ms slower.
const cc = spawnSync(process.execPath, [`${root}scripts/credential-process-code-cache.cjs`, `${tmp}/credential-process.cjs`], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (cc.status !== 0) process.stderr.write('build: no code cache for dist/credential-process.cjs (see above); continuing\n');

/**
 * In the CommonJS bundle, `await import()` of the source file `file` becomes a lazy `require` of
 * `sibling`, a bundle built from that file next to it (the bundle's `__dirname` is dist/, as
 * bin/rapki.cjs passes it). The sibling carries its own copy of the shared modules it uses: code
 * across the two must not rely on `instanceof` of each other's classes (errors are recognised by
 * `isRapkiError` and their code).
 */
function siblingBundlePlugin(file, sibling) {
  const target = new URL(`../${file}`, import.meta.url).pathname.replace(/\.ts$/, '');
  const base = target.slice(target.lastIndexOf('/') + 1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    name: `sibling-bundle-${sibling}`,
    setup(b) {
      b.onResolve({ filter: new RegExp(`${base}\\.js$`) }, (args) => {
        const resolved = new URL(args.path, `file://${args.resolveDir}/`).pathname.replace(/\.js$/, '');
        return resolved === target ? { path: sibling, namespace: `sibling-bundle-${sibling}` } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: `sibling-bundle-${sibling}` }, (args) => ({
        contents: `module.exports = require(require('node:path').join(__dirname, ${JSON.stringify(args.path)}));`,
        loader: 'js',
      }));
    },
  };
}

/**
 * In the CommonJS bundle, `await import('pkg')` of those packages becomes a lazy `require('pkg')`
 * (through a one-line CommonJS stub the bundle wraps as esbuild wraps any lazily imported module),
 * because bin/rapki.cjs compiles the bundle with `vm.Script` (for the code cache), where a real
 * `import()` has no loader. Node >= 20.19 require()s ES-module packages too.
 */
function lazyRequirePlugin(packages) {
  const filter = new RegExp(`^(${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
  return {
    name: 'lazy-require',
    setup(b) {
      b.onResolve({ filter }, (args) =>
        args.namespace === 'lazy-require' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-require' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

// The console's browser assets: one script, one style sheet, for current browsers, minified.
await build({
  entryPoints: { console: 'ca-server/src/ui/client/console.ts', 'console-style': 'ca-server/src/ui/client/console.css' },
  outdir: `${tmp}/ui`,
  entryNames: '[name]',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
});
renameSync(`${tmp}/ui/console-style.css`, `${tmp}/ui/console.css`);
copyFileSync(`${root}ca-server/src/ui/client/icon.svg`, `${tmp}/ui/icon.svg`);

await types;

const old = `${root}dist.old-${process.pid}`;
try {
  renameSync(`${root}dist`, old);
} catch {
  /* no previous build */
}
renameSync(tmp, `${root}dist`);
rmSync(old, { recursive: true, force: true });
