#!/usr/bin/env node
// Entry point of the `rapki` command (package.json "bin"). CommonJS on purpose: `rapki
// credential-process` runs once per AWS CLI/SDK credential lookup, and an ES module entry alone
// costs ~7% of a bare Node start (the ESM loader); a CommonJS file costs ~1%. So that command
// require()s ONE pre-bundled CommonJS file (dist/credential-process.cjs, no further module loads on
// a cache hit); everything else, and `credential-process --help`, imports the ESM CLI bundle.
'use strict';
const argv = process.argv.slice(2);
function notBuilt(err, file) {
  if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND') && String(err.message).includes(file)) {
    process.stderr.write('rapki: the CLI is not built yet; run `npm run build` in the package directory\n');
    process.exit(1);
  }
  throw err;
}
if (argv[0] === 'credential-process' && !argv.includes('--help') && !argv.includes('-h')) {
  let fast;
  try {
    fast = require('../dist/credential-process.cjs');
  } catch (err) {
    notBuilt(err, 'dist/credential-process.cjs');
  }
  // Exit as soon as the answer is written (stdout by write(2), stderr is synchronous for files
  // and pipes): closing the CreateSession socket in an orderly way would still load the machinery
  // of process.stderr (net's Socket._destroy looks at it) and wait for the server's FIN.
  fast.runCredentialProcessFast(argv.slice(1)).then((code) => process.exit(code));
} else {
  import('../dist/cli.mjs').catch((err) => notBuilt(err, 'dist/cli.mjs'));
}
