#!/usr/bin/env node
// Entry point of the `rapki` command (package.json "bin"). CommonJS on purpose: `rapki
// credential-process` runs once per AWS CLI/SDK credential lookup, and an ES module entry alone
// costs ~7% of a bare Node start (the ESM loader); a CommonJS file costs ~1%. So that command
// loads ONE pre-bundled CommonJS file (dist/credential-process.cjs, no further module loads on a
// cache hit, compiled from V8's code cache); everything else, and `credential-process --help`,
// imports the ESM CLI bundle.
'use strict';
const argv = process.argv.slice(2);
function notBuilt(err, file) {
  if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND') && String(err.message).includes(file)) {
    process.stderr.write('rapki: the CLI is not built yet; run `npm run build` in the package directory\n');
    process.exit(1);
  }
  throw err;
}
/**
 * Loads dist/credential-process.cjs like require() would, but with V8's code cache made at build
 * time (scripts/credential-process-code-cache.cjs): deserialising the functions of a cache hit (or,
 * with --no-cache, of a CreateSession) is cheaper than compiling them. A cache is used only when
 * it carries the key the bundle ends with; V8 refuses one from another Node version by itself, and
 * then this simply compiles.
 */
function loadFast(noCache) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  const file = require('node:path').join(__dirname, '..', 'dist', 'credential-process.cjs');
  let source;
  try {
    // latin1: the bundle is pure ASCII (esbuild charset 'ascii'), and a one-byte read skips
    // UTF-8 decoding of ~140 KB.
    source = fs.readFileSync(file, 'latin1');
  } catch (err) {
    if (err && err.code === 'ENOENT') notBuilt({ code: 'MODULE_NOT_FOUND', message: file }, 'dist/credential-process.cjs');
    throw err;
  }
  let cachedData;
  const mark = source.lastIndexOf('\n//# rapkiCodeCacheKey=');
  if (mark >= 0) {
    try {
      // With --no-cache a CreateSession follows for sure: the cache that also holds its code.
      const cache = fs.readFileSync(noCache ? `${file}.nocache.cache` : `${file}.cache`);
      const key = source.slice(mark + 23).trim();
      if (cache.length > key.length + 1 && cache.toString('latin1', 0, key.length + 1) === `${key}\n`) cachedData = cache.subarray(key.length + 1);
    } catch {
      /* no cache: compile */
    }
  }
  // The wrapper must match the one of scripts/credential-process-code-cache.cjs byte for byte.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, require('node:path').dirname(file));
  return mod.exports;
}

if (argv[0] === 'credential-process' && !argv.includes('--help') && !argv.includes('-h')) {
  // Exit as soon as the answer is written (stdout by write(2), stderr is synchronous for files
  // and pipes): closing the CreateSession socket in an orderly way would still load the machinery
  // of process.stderr (net's Socket._destroy looks at it) and wait for the server's FIN.
  loadFast(argv.includes('--no-cache'))
    .runCredentialProcessFast(argv.slice(1))
    .then((code) => process.exit(code));
} else {
  import('../dist/cli.mjs').catch((err) => notBuilt(err, 'dist/cli.mjs'));
}
