/**
 * parseSignerArgs takes a short cut around node:util parseArgs for plain `--flag [value]` argv
 * (start-up time). The short cut must never change an answer: for any argv built from flags,
 * values and odd tokens, it returns what strict parseArgs returns, or fails with the same code.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { flagsOf, normalizeBooleanArgs } from '../../../cli/src/credential-flags.js';
import { parseSignerArgs } from '../../../cli/src/fast/credential-process.js';

const COMMAND = 'credential-process';

function reference(args: string[]): { values?: unknown; code?: string } {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const f of flagsOf(COMMAND)) options[f.name] = { type: f.type };
  try {
    return { values: { ...parseArgs({ args: normalizeBooleanArgs(args, COMMAND), options, strict: true, allowPositionals: false }).values } };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { code: code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? 'invalid_flag_value' : 'unknown_flag' };
  }
}

function ours(args: string[]): { values?: unknown; code?: string } {
  try {
    return { values: { ...parseSignerArgs(args, COMMAND) } };
  } catch (err) {
    return { code: (err as { code?: string }).code };
  }
}

const TOKENS = [
  '--certificate', '--private-key', '--endpoint', '--debug', '--no-cache', '--no-verify-ssl', '--session-duration',
  '--certificate=c.pem', '--debug=true', '--debug=false', '--debug=maybe', '--endpoint=', '--nope', '--format',
  '-h', '-', '--', 'value', '', '-x', '--timeout', '10', 'pkcs11:token=a', '--role-arn=arn:aws:iam::1:role/r=x',
  '--__proto__', '--constructor', '--toString=1', '--with-proxy=1', '--CERTIFICATE', '---certificate',
];

describe('parseSignerArgs short cut', () => {
  it('agrees with strict parseArgs on a typical credential-process argv', () => {
    const argv = ['--certificate', 'c.pem', '--private-key', 'k.pem', '--trust-anchor-arn', 'a', '--profile-arn', 'p', '--role-arn', 'r', '--endpoint=http://127.0.0.1:1', '--no-cache', '--debug'];
    expect(ours(argv)).toEqual(reference(argv));
    expect(ours(argv).values).toMatchObject({ certificate: 'c.pem', endpoint: 'http://127.0.0.1:1', 'no-cache': true });
  });
  it('agrees with strict parseArgs on arbitrary token sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })), { maxLength: 8 }), (argv) => {
        expect(ours(argv)).toEqual(reference(argv));
      }),
      { numRuns: 2000 },
    );
  });
});
