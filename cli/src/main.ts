/**
 * `rapki` command root.
 *
 * Why the split: `rapki credential-process` runs once per AWS CLI/SDK credential lookup, so its
 * start-up time matters (goal: <= 1.5x a bare `node -e 0`). yargs alone costs more than a bare
 * Node start, so that one command is parsed by a lean `node:util` parser sharing the same flag table
 * (`cli/src/credential-flags.ts`); everything else, and `credential-process --help`, goes through
 * yargs, loaded lazily.
 *
 * The installed `rapki` command (bin/rapki.cjs) does not come through here for credential-process:
 * it loads the CommonJS bundle dist/credential-process.cjs of the same fast path directly (no ESM
 * loader, V8 code cache; see scripts/build.mjs). This route serves `node dist/cli.mjs`.
 */
const argv = process.argv.slice(2);

if (argv[0] === 'credential-process' && !argv.includes('--help') && !argv.includes('-h')) {
  const { runCredentialProcessFast } = await import('./fast/credential-process.js');
  process.exitCode = await runCredentialProcessFast(argv.slice(1));
} else {
  const { runYargs } = await import('./yargs-root.js');
  await runYargs(argv);
}
