/**
 * One name for the command file in the clone: the docs and examples say `bin/<file>` only for the
 * file package.json's `bin` installs as `rapki` (bin/rapki.mjs stays for old scripts, unadvertised).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const FILES = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'examples/end-to-end.sh',
  'examples/aws/setup-with-emulator.sh',
  'examples/ci/github-actions.yml',
];

describe('bin/ path in README, docs and examples', () => {
  it('is the one package.json installs as `rapki`', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: { rapki: string }; scripts: { start: string } };
    expect(pkg.bin.rapki).toBe('bin/rapki.cjs');
    expect(pkg.scripts.start).toContain(`node ${pkg.bin.rapki} `);
    let mentions = 0;
    for (const f of FILES) {
      for (const m of readFileSync(join(REPO_ROOT, f), 'utf8').matchAll(/bin\/rapki\.[a-z]+/g)) {
        expect(m[0], f).toBe(pkg.bin.rapki);
        mentions++;
      }
    }
    expect(mentions).toBeGreaterThanOrEqual(5);
  });
});
