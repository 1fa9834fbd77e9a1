#!/usr/bin/env node
// Runs npm scripts side by side (`node scripts/run-parallel.mjs typecheck lint`), each one's output
// printed when it ends (whole when it failed, its last lines when it passed), and fails when any
// of them fails. `npm test` checks types and lint this way: tsc and eslint each keep one core busy,
// and together they take the time of the longer.
import { spawn } from 'node:child_process';

const names = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const results = await Promise.all(
  names.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn(npm, ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (out += c));
        child.on('close', (code, signal) => {
          // A script that passed shows its last lines (e.g. eslint's count of warnings); one that failed, everything.
          const shown = code === 0 ? out.trimEnd().split('\n').slice(-3).join('\n') : out;
          process.stdout.write(`> npm run ${name}: ${code === 0 ? 'ok' : `failed (${code ?? signal})`}\n${shown}\n`);
          resolve(code === 0);
        });
      }),
  ),
);
process.exitCode = results.every(Boolean) ? 0 : 1;
