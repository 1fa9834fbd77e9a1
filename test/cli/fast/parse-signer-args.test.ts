/**
 * The signer commands' argv parser reads a command line as the official helper's parser (Go pflag
 * under cobra) does. Checked against a small model of pflag's rules on random token sequences, and
 * on the cases users hit (a value starting with `-`, a flag whose value is an empty variable).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flagsOf } from '../../../cli/src/credential-flags.js';
import { parseSignerArgs, positionalsWarning } from '../../../cli/src/parse-signer-args.js';

const COMMAND = 'credential-process';
const TYPES = new Map(flagsOf(COMMAND).map((f) => [f.name, f.type]));

/** pflag's long-flag rules, written independently: what values/positionals it yields, or the error class. */
function pflagModel(args: string[]): { values?: Record<string, string | boolean>; positionals?: string[]; code?: string } {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') continue;
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    if (!a.startsWith('--')) return { code: 'flag_unknown' };
    const [name, ...rest] = a.slice(2).split('=');
    const value = rest.length > 0 ? rest.join('=') : undefined;
    const type = TYPES.get(name!);
    if (!type) return { code: 'flag_unknown' };
    if (type === 'boolean') {
      if (value === undefined || ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) values[name!] = true;
      else if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) delete values[name!];
      else return { code: 'flag_value_invalid' };
      continue;
    }
    if (value !== undefined) {
      values[name!] = value;
      continue;
    }
    const next = args[i + 1];
    if (next === undefined) return { code: 'flag_missing' };
    // rapki's one difference: a following flag of the command is not taken as the value.
    const nextName = next.startsWith('--') ? next.slice(2).split('=')[0]! : undefined;
    if (next === '-h' || next === '--help' || (nextName !== undefined && TYPES.has(nextName))) return { code: 'flag_missing' };
    values[name!] = next;
    i++;
  }
  return { values, positionals };
}

function ours(args: string[]): { values?: Record<string, string | boolean>; positionals?: string[]; code?: string } {
  try {
    const r = parseSignerArgs(args, COMMAND);
    return { values: { ...r.values } as Record<string, string | boolean>, positionals: [...r.positionals] };
  } catch (err) {
    return { code: (err as { code?: string }).code };
  }
}

const TOKENS = [
  '--certificate',
  '--private-key',
  '--endpoint',
  '--debug',
  '--no-cache',
  '--no-verify-ssl',
  '--session-duration',
  '--certificate=c.pem',
  '--debug=true',
  '--debug=false',
  '--debug=maybe',
  '--debug=T',
  '--endpoint=',
  '--nope',
  '--format',
  '-h',
  '-',
  '--',
  'value',
  '',
  '-x',
  '--timeout',
  '10',
  'pkcs11:token=a',
  '--role-arn=arn:aws:iam::1:role/r=x',
  '--__proto__',
  '--constructor',
  '--toString=1',
  '--with-proxy=1',
  '--CERTIFICATE',
  '---certificate',
  '--pkcs8-password',
];

describe('parseSignerArgs', () => {
  it('reads a typical credential-process argv', () => {
    const argv = [
      '--certificate',
      'c.pem',
      '--private-key',
      'k.pem',
      '--trust-anchor-arn',
      'a',
      '--profile-arn',
      'p',
      '--role-arn',
      'r',
      '--endpoint=http://127.0.0.1:1',
      '--no-cache',
      '--debug',
    ];
    expect(ours(argv)).toEqual(pflagModel(argv));
    expect(ours(argv).values).toMatchObject({ certificate: 'c.pem', endpoint: 'http://127.0.0.1:1', 'no-cache': true });
  });

  it('takes a value starting with - as pflag does (--pkcs8-password -x)', () => {
    expect(parseSignerArgs(['--pkcs8-password', '-x', '--debug'], COMMAND).values).toMatchObject({ 'pkcs8-password': '-x', debug: true });
    expect(parseSignerArgs(['--region', '--not-a-flag'], COMMAND).values.region).toBe('--not-a-flag');
  });

  it('reports a flag followed by another flag (an empty shell variable) as given no value, naming both', () => {
    expect(() => parseSignerArgs(['--role-arn', '--profile-arn', 'p'], COMMAND)).toThrow(
      expect.objectContaining({
        code: 'flag_missing',
        message: expect.stringMatching(/^--role-arn was given no value: the next argument, --profile-arn, is a flag/),
      }),
    );
    expect(() => parseSignerArgs(['--role-arn'], COMMAND)).toThrow(
      expect.objectContaining({ code: 'flag_missing', message: expect.stringMatching(/^--role-arn needs a value/) }),
    );
  });

  it('collects positionals and -h, and names the positionals in the warning', () => {
    const r = parseSignerArgs(['extra', '--debug', '', '-h', '--', '--certificate'], COMMAND);
    expect(r.positionals).toEqual(['extra', '', '--certificate']);
    expect(r.help).toBe(true);
    expect(positionalsWarning(COMMAND, r.positionals)).toBe(
      'rapki: warning: credential-process ignores the extra arguments "extra" "" "--certificate" (not a flag or a flag value; a flag name missing its --?)',
    );
    expect(positionalsWarning(COMMAND, [])).toBeUndefined();
  });

  it('agrees with the pflag model on arbitrary token sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })), { maxLength: 8 }), (argv) => {
        expect(ours(argv)).toEqual(pflagModel(argv));
      }),
      { numRuns: 2000, seed: 14 },
    );
  });
});
