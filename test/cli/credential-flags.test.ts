import { describe, expect, it } from 'vitest';
import { CREDENTIAL_FLAGS, flagsOf, normalizeBooleanArgs, refuseUnsupported } from '../../cli/src/credential-flags.js';
import { parseSignerArgs } from '../../cli/src/fast/credential-process.js';

/** The official helper's credential-process flags (signer-spec.md §3.2). */
const OFFICIAL = [
  'certificate', 'private-key', 'intermediates', 'trust-anchor-arn', 'profile-arn', 'role-arn', 'session-duration', 'region',
  'endpoint', 'no-verify-ssl', 'with-proxy', 'debug', 'role-session-name', 'cert-selector', 'system-store-name',
  'use-latest-expiring-certificate', 'pkcs11-lib', 'reuse-pin', 'tpm-key-password', 'no-tpm-key-password', 'pkcs8-password',
];

describe('credential flag table', () => {
  it('has every official credential-process flag, once', () => {
    const names = flagsOf('credential-process').map((f) => f.name);
    for (const f of OFFICIAL) expect(names).toContain(f);
    expect(new Set(CREDENTIAL_FLAGS.map((f) => f.name)).size).toBe(CREDENTIAL_FLAGS.length);
    for (const f of CREDENTIAL_FLAGS.filter((x) => x.rapki)) expect(OFFICIAL).not.toContain(f.name);
  });

  it('parses every flag with the lean parser, including --flag=value and --bool=true/false', () => {
    const v = parseSignerArgs(
      ['--certificate=c.pem', '--private-key', 'k.pem', '--no-verify-ssl=true', '--with-proxy=false', '--debug', '--session-duration', '900'],
      'credential-process',
    );
    expect(v).toMatchObject({ certificate: 'c.pem', 'private-key': 'k.pem', 'no-verify-ssl': true, debug: true, 'session-duration': '900' });
    expect(v['with-proxy']).toBeUndefined();
    expect(normalizeBooleanArgs(['--debug=1', '--region=true'], 'credential-process')).toEqual(['--debug', '--region=true']);
  });

  it('refuses unknown flags, flags of other commands and positionals', () => {
    expect(() => parseSignerArgs(['--nope'], 'credential-process')).toThrow(expect.objectContaining({ code: 'unknown_flag' }));
    expect(() => parseSignerArgs(['--format', 'json'], 'credential-process')).toThrow(expect.objectContaining({ code: 'unknown_flag' }));
    expect(() => parseSignerArgs(['--trust-anchor-arn', 'a'], 'sign-string')).toThrow(expect.objectContaining({ code: 'unknown_flag' }));
    expect(() => parseSignerArgs(['pos'], 'credential-process')).toThrow(expect.objectContaining({ code: 'unknown_flag' }));
    expect(() => parseSignerArgs(['--debug=maybe'], 'credential-process')).toThrow(expect.objectContaining({ code: 'invalid_flag_value' }));
  });

  it.each(CREDENTIAL_FLAGS.filter((f) => f.support !== 'supported').map((f) => [f.name, f.type] as const))(
    'refuses --%s naming it',
    (name, type) => {
      const values = { [name]: type === 'boolean' ? true : 'x' };
      expect(() => refuseUnsupported(values, 'credential-process')).toThrow(
        expect.objectContaining({ code: 'unsupported_flag', message: expect.stringMatching(new RegExp(`^--${name} is not supported`)) }),
      );
    },
  );
});
