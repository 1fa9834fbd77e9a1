/**
 * The one CLI reporter (cli/src/report.ts) and yargs' refusals as coded errors
 * (cli/src/yargs-failure.ts): in-process, then through the built CLI for every way a command is
 * entered (yargs, the lean signer parser, the credential-process fast path).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RapkiError } from '../../common/src/errors.js';
import { errorFromWire, rapkiError } from '../../common/src/errors/registry.js';
import { failureOf, failureText, reportFailure } from '../../cli/src/report.js';
import { runCommand } from '../../cli/src/run-command.js';
import { yargsFailure } from '../../cli/src/yargs-failure.js';
import { REPO_ROOT, runCli } from '../support/cli.js';

function sink(env: NodeJS.ProcessEnv = {}) {
  const s = { env, err: '', out: '', stderr: (t: string) => void (s.err += t), stdout: (t: string) => void (s.out += t) };
  return s;
}

describe('reportFailure', () => {
  it('prints `rapki: <code>: <message>`, the hint line when the registry has one, and returns the exit status', () => {
    const plain = sink();
    expect(reportFailure(rapkiError('ca_url_missing'), plain)).toBe(1);
    expect(plain.err).toBe('rapki: ca_url_missing: no CA URL: pass --ca-url or set RAPKI_CA_URL\n');
    const hinted = sink();
    expect(reportFailure(rapkiError('flag_unknown', 'unknown flag --x for enroll'), hinted)).toBe(1);
    expect(hinted.err).toBe('rapki: flag_unknown: unknown flag --x for enroll\nhint: run the command with --help to see its flags\n');
  });

  it('reports an older spelling (from an older server) under the current code', () => {
    const s = sink();
    reportFailure(errorFromWire('invalid_serial', 'The serial number is not valid hex of at most 20 octets.'), s);
    expect(s.err).toBe('rapki: serial_invalid: The serial number is not valid hex of at most 20 octets.\n');
    // A code this rapki does not know (a newer server's) is shown as it came.
    expect(failureOf(errorFromWire('some_new_code', 'new')).code).toBe('some_new_code');
  });

  it('an uncoded error is internal_error; messages are display-escaped; no stack unless RAPKI_DEBUG', () => {
    const s = sink();
    reportFailure(new Error('boom\u001b[2Jx'), s);
    expect(s.err).toBe('rapki: internal_error: boom\\u{001B}[2Jx\n');
    const d = sink({ RAPKI_DEBUG: '1' });
    reportFailure(new TypeError('bad'), d);
    expect(d.err).toMatch(/^rapki: internal_error: bad\nTypeError: bad\n\s+at /);
  });

  it('with json, stdout gets {"error":{code,message}} too', () => {
    const s = sink();
    reportFailure(new RapkiError('backup_target_not_empty', 'not empty'), s, { json: true });
    expect(JSON.parse(s.out)).toEqual({ error: { code: 'backup_target_not_empty', message: 'not empty' } });
  });

  it('runCommand: the body resolves to the exit status; a throw becomes the report', async () => {
    const s = sink();
    expect(await runCommand(s, async () => 3)).toBe(3);
    expect(await runCommand(s, async () => undefined)).toBe(0);
    expect(await runCommand(s, async () => Promise.reject(rapkiError('audit_chain_broken')))).toBe(1);
    expect(s.err).toBe(`${failureText(failureOf(rapkiError('audit_chain_broken')))}`);
  });
});

describe('yargs refusals are coded', () => {
  it.each([
    ['Unknown argument: bogus', ['enroll', '--bogus'], 'flag_unknown'],
    ['Unknown arguments: b, c', ['enroll', '-b', '-c'], 'flag_unknown'],
    ['Unknown argument: frob', ['frob'], 'command_unknown'],
    ['Did you mean host?', ['hots'], 'command_unknown'],
    ['Not enough non-option arguments: got 0, need at least 1', ['ca'], 'command_missing'],
    ['Missing required argument: out', ['enroll'], 'flag_missing'],
    ['Invalid values:\n  Argument: key-type, Given: "x", Choices: "ec-p256"', ['enroll', '--key-type', 'x'], 'flag_value_invalid'],
    ['Arguments pem and der are mutually exclusive', ['crl', 'get'], 'flag_value_invalid'],
  ])('%s', (msg, argv, code) => {
    const e = yargsFailure(msg, argv);
    expect(e.code).toBe(code);
    expect(e.message).toContain(msg);
  });
});

describe('through the built CLI', () => {
  it('yargs: an unknown flag, a missing flag, a bad choice, a missing or unknown subcommand', async () => {
    const flag = await runCli(['token', 'create', '--subject', 'h', '--bogus']);
    expect([flag.code, flag.stderr]).toEqual([1, 'rapki: flag_unknown: Unknown argument: bogus\nhint: run the command with --help to see its flags\n']);
    const missing = await runCli(['token', 'create']);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'rapki: flag_missing: Missing required argument: subject\nhint: run the command with --help to see its flags\n',
    ]);
    const choice = await runCli(['enroll', '--out', '/nonexistent', '--key-type', 'dsa']);
    expect(choice.code).toBe(1);
    expect(choice.stderr).toMatch(/^rapki: flag_value_invalid: Invalid values:/);
    const group = await runCli(['ca']);
    expect([group.code, group.stderr.split('\n')[0]]).toEqual([1, 'rapki: command_missing: Not enough non-option arguments: got 0, need at least 1']);
    const typo = await runCli(['ca', 'inti', '--dir', '/nonexistent']);
    expect([typo.code, typo.stderr.split('\n')[0]]).toEqual([1, 'rapki: command_unknown: no command "inti". Did you mean init?']);
    for (const r of [flag, missing, choice, group, typo]) expect(r.out).toBe('');
  });

  it('the lean signer parser and the credential-process fast path report the same way', async () => {
    const sign = await runCli(['sign-string', '--bogus']);
    expect([sign.code, sign.stderr]).toEqual([
      1,
      'rapki: flag_unknown: unknown flag --bogus for sign-string\nhint: run the command with --help to see its flags\n',
    ]);
    const cp = await runCli(['credential-process', '--bogus']);
    expect([cp.code, cp.stderr]).toEqual([
      1,
      'rapki: flag_unknown: unknown flag --bogus for credential-process\nhint: run the command with --help to see its flags\n',
    ]);
  });

  it('dist/credential-process.cjs does not carry the registry: it requires dist/report.cjs when it fails', () => {
    const fast = readFileSync(join(REPO_ROOT, 'dist', 'credential-process.cjs'), 'latin1');
    const report = readFileSync(join(REPO_ROOT, 'dist', 'report.cjs'), 'latin1');
    expect(report).toContain('backup_target_not_empty');
    expect(fast).not.toContain('backup_target_not_empty');
    expect(fast).toContain('"report.cjs"');
  });
});
