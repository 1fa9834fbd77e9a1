/**
 * `rapki agent --help` as a user reads it: the three ARNs are needed only to serve credentials
 * (`--serve`), so the help must not call them required, while `--certificate` stays required.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

/** The help entry of one flag: its first line and the wrapped lines under it. */
function entry(help: string, flag: string): string {
  const lines = help.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s+${flag}\\s`).test(l));
  expect(i, `${flag} in the help`).toBeGreaterThanOrEqual(0);
  const out = [lines[i]!];
  for (let j = i + 1; j < lines.length && /^\s{10,}\S/.test(lines[j]!); j++) out.push(lines[j]!);
  return out.join(' ').replace(/\s+/g, ' ');
}

describe('rapki agent --help', () => {
  it('says the ARNs only matter with --serve', async () => {
    const r = await runCli(['agent', '--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const flag of ['--trust-anchor-arn', '--profile-arn', '--role-arn']) {
      const text = entry(r.out, flag);
      expect(text, text).toContain('only with --serve');
      expect(text, text).not.toMatch(/\(required\)/);
    }
    expect(entry(r.out, '--certificate')).toContain('(required)');
  });
});
