/**
 * `rapki` command root.
 *
 * Why the split: `rapki credential-process` runs once per AWS CLI/SDK credential lookup, so its
 * start-up time matters (goal: <= 1.5x a bare `node -e 0`). yargs alone costs more than a bare
 * Node start, so that one command is parsed by a lean parser reading the shared flag table
 * (`cli/src/credential-flags.ts`, `cli/src/parse-signer-args.ts`). The other signer commands use
 * the same parser (a command line means the same to all of them, as to the official helper);
 * everything else, and the signer commands' `--help`, goes through yargs, loaded lazily.
 *
 * The installed `rapki` command (bin/rapki.cjs) does not come through here for credential-process:
 * it loads the CommonJS bundle dist/credential-process.cjs of the same fast path directly (no ESM
 * loader, V8 code cache; see scripts/build.mjs). This route serves `node dist/cli.mjs`.
 */
import { isSignerCommand } from './credential-flags.js';

const argv = process.argv.slice(2);
const command = argv[0];

let viaYargs = true;
if (command === 'credential-process' && !argv.includes('--help') && !argv.includes('-h')) {
  const { runCredentialProcessFast } = await import('./fast/credential-process.js');
  process.exitCode = await runCredentialProcessFast(argv.slice(1));
  viaYargs = false;
} else if (isSignerCommand(command) && command !== 'credential-process') {
  const { runSignerArgv } = await import('./fast/signer-argv.js');
  const r = await runSignerArgv(command, argv.slice(1));
  if (r !== 'help') {
    process.exitCode = r;
    viaYargs = false;
  }
}
if (viaYargs) {
  const { runYargs } = await import('./yargs-root.js');
  await runYargs(argv);
}
