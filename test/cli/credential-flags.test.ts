import { describe, expect, it } from 'vitest';
import { CREDENTIAL_FLAGS, flagsOf, ignoredFlagNotes, refuseUnsupported, TPM_FLAGS } from '../../cli/src/credential-flags.js';
import { parseSignerArgs } from '../../cli/src/parse-signer-args.js';
import { OFFICIAL_CREDENTIAL_PROCESS_FLAGS } from '../support/signer-args.js';

/** The official helper's flags per command (aws_signing_helper 1.8.0, cmd/*.go). */
const OFFICIAL = {
  'credential-process': OFFICIAL_CREDENTIAL_PROCESS_FLAGS,
  serve: [...OFFICIAL_CREDENTIAL_PROCESS_FLAGS, 'port', 'hop-limit'],
  update: [...OFFICIAL_CREDENTIAL_PROCESS_FLAGS, 'profile', 'once'],
  'sign-string': [
    'certificate',
    'private-key',
    'debug',
    'cert-selector',
    'system-store-name',
    'use-latest-expiring-certificate',
    'pkcs11-lib',
    'reuse-pin',
    'tpm-key-password',
    'no-tpm-key-password',
    'format',
    'digest',
    'pkcs8-password',
  ],
  'read-certificate-data': ['certificate', 'cert-selector', 'system-store-name', 'pkcs11-lib', 'debug'],
} as const;

describe('credential flag table', () => {
  it.each(Object.entries(OFFICIAL))('has every official flag of %s, once', (command, official) => {
    const names = flagsOf(command as keyof typeof OFFICIAL).map((f) => f.name);
    for (const f of official) expect(names).toContain(f);
    expect(new Set(names).size).toBe(names.length);
    for (const f of flagsOf(command as keyof typeof OFFICIAL).filter((x) => x.rapki)) expect(official).not.toContain(f.name);
  });

  it('keeps the TPM flags in one group, accepted and ignored for non-TPM keys', () => {
    expect(TPM_FLAGS.map((f) => f.name)).toEqual(['tpm-key-password', 'tpm-key-password-file', 'no-tpm-key-password']);
    for (const f of TPM_FLAGS) expect(CREDENTIAL_FLAGS).toContain(f);
    const values = { 'tpm-key-password': 'x', 'no-tpm-key-password': true, 'use-latest-expiring-certificate': true };
    expect(() => refuseUnsupported(values, 'credential-process')).not.toThrow();
    expect([...ignoredFlagNotes(values, 'credential-process')].sort()).toEqual([
      '--no-tpm-key-password is ignored: the key is not a TPM 2.0 key',
      '--tpm-key-password is ignored: the key is not a TPM 2.0 key',
      '--use-latest-expiring-certificate is ignored: it picks among OS certificate-store matches of --cert-selector, which rapki does not read',
    ]);
    expect(ignoredFlagNotes(values, 'credential-process', true)).toHaveLength(1);
    expect(ignoredFlagNotes({ 'no-tpm-key-password': false }, 'sign-string')).toEqual([]);
  });

  it('parses every flag with the lean parser, including --flag=value and Go boolean spellings', () => {
    const { values } = parseSignerArgs(
      ['--certificate=c.pem', '--private-key', 'k.pem', '--no-verify-ssl=true', '--with-proxy=false', '--debug', '--session-duration', '900', '--reuse-pin=T'],
      'credential-process',
    );
    expect(values).toMatchObject({
      certificate: 'c.pem',
      'private-key': 'k.pem',
      'no-verify-ssl': true,
      debug: true,
      'session-duration': '900',
      'reuse-pin': true,
    });
    expect(values['with-proxy']).toBeUndefined();
  });

  it('refuses unknown flags and flags of other commands; accepts positionals for a warning', () => {
    expect(() => parseSignerArgs(['--nope'], 'credential-process')).toThrow(expect.objectContaining({ code: 'flag_unknown' }));
    expect(() => parseSignerArgs(['--format', 'json'], 'credential-process')).toThrow(expect.objectContaining({ code: 'flag_unknown' }));
    expect(() => parseSignerArgs(['--trust-anchor-arn', 'a'], 'sign-string')).toThrow(expect.objectContaining({ code: 'flag_unknown' }));
    expect(() => parseSignerArgs(['--debug=maybe'], 'credential-process')).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    expect(parseSignerArgs(['pos'], 'credential-process').positionals).toEqual(['pos']);
  });

  it.each(CREDENTIAL_FLAGS.filter((f) => f.support === 'platform' || f.support === 'later').map((f) => [f.name, f.type] as const))(
    'refuses --%s naming it',
    (name, type) => {
      const values = { [name]: type === 'boolean' ? true : 'x' };
      expect(() => refuseUnsupported(values, 'credential-process')).toThrow(
        expect.objectContaining({ code: 'flag_unsupported', message: expect.stringMatching(new RegExp(`^--${name} is not supported`)) }),
      );
    },
  );
});
