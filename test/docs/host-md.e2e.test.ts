/**
 * docs/host.md and examples/systemd/rapki-agent.service must describe commands as they are: every
 * `rapki …` command line in them names an existing command, and every flag it uses is one that
 * command's `--help` lists. (The flows themselves run in test/e2e/agent.e2e.test.ts and
 * test/cli/agent/agent-handler.e2e.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXEC_AFTER_ENV } from '../../cli/src/ca-client/exec-after.js';
import { EXIT } from '../../cli/src/ca-client/constants.js';
import { RAPKI_BIN, REPO_ROOT, assertBuilt } from '../support/cli.js';
import { CREDENTIAL_FLAGS, SIGNER_COMMANDS } from '../../cli/src/credential-flags.js';

const GROUPS = new Set(['host', 'token', 'cert', 'ca', 'aws', 'crl', 'audit']);

/** `rapki` command lines: continuation lines joined, comments dropped. */
function commandLines(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const out: string[] = [];
  for (const line of joined.split('\n')) {
    const code = line.replace(/\s#.*$/, '').replace(/sudo -u rapki /g, 'sudo ');
    const m = /(?:^|[\s=;&|(])rapki ([a-z][\w-]*(?: [a-z][\w-]*)?)(.*)$/.exec(code);
    if (m && !/^\s*#/.test(line) && !line.includes('useradd')) out.push(`${m[1]}${m[2]}`);
  }
  return out;
}

const helpCache = new Map<string, string>();
function help(path: string[]): string {
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    helpCache.set(
      key,
      execFileSync(process.execPath, [RAPKI_BIN, ...path, '--help'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }).toString(),
    );
  }
  return helpCache.get(key)!;
}

function check(source: string, line: string): void {
  const words = line.trim().split(/\s+/);
  const path = GROUPS.has(words[0]!) ? words.slice(0, 2) : words.slice(0, 1);
  const text = help(path);
  for (const flag of line.match(/(?<=\s)--[a-z][\w-]*/g) ?? []) {
    expect(text, `${source}: rapki ${path.join(' ')} has no ${flag}`).toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
  }
}

describe('docs/host.md and the agent unit', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'host.md'), 'utf8');
  const unit = readFileSync(join(REPO_ROOT, 'examples', 'systemd', 'rapki-agent.service'), 'utf8');

  it('every rapki command line uses existing commands and flags', () => {
    assertBuilt();
    const blocks = [...doc.matchAll(/```(?:sh|ini)\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const lines = blocks.flatMap(commandLines);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const l of lines) check('docs/host.md', l);
    const execStart = unit
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => l.startsWith('ExecStart='));
    const unitLines = commandLines(execStart.join('\n'));
    expect(unitLines).toHaveLength(1);
    expect(unitLines[0]).toMatch(/^agent /);
    check('rapki-agent.service', unitLines[0]!);
  }, 60_000);

  it('"Moving from aws_signing_helper" covers every signer command and every flag of the table', () => {
    const section = doc.slice(doc.indexOf('## Moving from aws_signing_helper'));
    expect(section.length).toBeGreaterThan(1000);
    for (const c of [...SIGNER_COMMANDS, 'version']) expect(section).toContain(`\`rapki ${c}\``);
    for (const f of CREDENTIAL_FLAGS) expect(section, `--${f.name}`).toMatch(new RegExp(`\`(serve |update |sign-string )?--${f.name}[\` ]`));
  });

  it('names the hook variables and the refusal exit status the code uses', () => {
    for (const v of Object.values(EXEC_AFTER_ENV)) expect(doc).toContain(`\`${v}\``);
    expect(doc).toContain(`exits with status ${EXIT.refused}`);
    expect(unit).toContain(`RestartPreventExitStatus=${EXIT.refused}`);
  });
});
