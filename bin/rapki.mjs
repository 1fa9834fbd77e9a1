#!/usr/bin/env node
// Entry point of the `rapki` command: loads the bundled CLI (built by `npm run build`).
import('../dist/cli.mjs').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.mjs')) {
    process.stderr.write('rapki: the CLI is not built yet; run `npm run build` in the package directory\n');
    process.exit(1);
  }
  throw err;
});
