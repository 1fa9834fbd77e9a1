/**
 * The error registry (common/src/errors/registry.ts), checked the way fastify checks its error
 * codes: every code unique (older spellings included), named one way, documented in the generated
 * docs/errors.md (which must be current), with a sane spec, and used somewhere in the sources or
 * reserved here with the reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RapkiError } from '../../../common/src/errors.js';
import { ERROR_AREAS, ERRORS, canonicalCode, codeMatches, errorFromWire, httpStatusOf, rapkiError } from '../../../common/src/errors/registry.js';
import { renderErrorsDoc } from '../../../scripts/errors-doc.js';
import { REPO_ROOT } from '../../support/cli.js';

/** `<noun>_<problem>`: at least one word of what, then one of these problems. */
const NOUN_PROBLEM = new RegExp(
  '^[a-z][a-z0-9]*(_[a-z0-9]+)*_(' +
    [
      'invalid',
      'malformed',
      'unparsable',
      'corrupt',
      'broken',
      'missing',
      'required',
      'empty',
      'not_found',
      'unknown',
      'exists',
      'mismatch',
      'conflict',
      'too_large',
      'too_long',
      'too_small',
      'unsupported',
      'unreadable',
      'unavailable',
      'unreachable',
      'timeout',
      'failed',
      'refused',
      'denied',
      'blocked',
      'locked',
      'lockout',
      'in_use',
      'throttled',
      'revoked',
      'expired',
      'not_yet_valid',
      'superseded',
      'used',
      'untrusted',
      'unsafe',
      'unconfirmed',
      'pending',
      'in_progress',
      'not_started',
      'not_drained',
      'not_empty',
      'not_allowed',
      'not_needed',
      'full',
      'foreign',
      'newer',
      'out_of_memory',
      'wrong_[a-z0-9]+',
    ].join('|') +
    ')$',
);

/**
 * Codes older than the naming rule, kept because they are on the wire (docs/errors.md "Names").
 * This list may only shrink: a new code must follow the rule, and renaming one of these (with its
 * old spelling as an alias) takes it off the list.
 */
const OLDER_NAMES = new Set([
  'invalid_region',
  'internal_error',
  // CA HTTP API
  'invalid_json',
  'invalid_request',
  'unsupported_media_type',
  'invalid_csr',
  'weak_key',
  'unauthorized',
  'forbidden',
  'last_admin_token',
  'not_found',
  'rate_limited',
  'not_ready',
  // CA CLI, keys, x509, store, backup, aws, CA client
  'store_url_has_password',
  'backup_target_inside_ca',
  'csr_bad_signature',
  'not_registered',
  'ca_http_error',
  // signer
  'unparsable_private_key',
  'missing_certificate',
  'missing_private_key',
  'multiple_private_keys',
  'unexpected_pem_block',
  'encrypted_key_needs_password',
  'wrong_key_password',
  'legacy_encrypted_pem',
  'unsupported_key_type',
  'unsupported_curve',
  'pkcs12_needs_password',
  'pkcs12_no_key',
  'pkcs12_no_matching_certificate',
  'pkcs12_with_intermediates',
  'unsupported_digest',
  'certificate_not_v3',
  'certificate_empty_subject',
  'leaf_missing_digital_signature',
  'leaf_is_ca',
  'weak_signature_algorithm',
  'chain_does_not_link',
  'invalid_arn',
  'invalid_role_session_name',
  'invalid_host',
  'key_file_readable_by_others',
  // session
  'invalid_endpoint',
  'invalid_session_option',
  'invalid_signature',
  'throttled',
  'service_error',
  'no_credentials',
  'bad_response',
  'tls_error',
  'network_error',
  'timeout',
  // PKCS#11, TPM, credential endpoint, cache, credentials file
  'invalid_pkcs11_uri',
  'pkcs11_multiple_tokens',
  'pkcs11_multiple_certificates',
  'pkcs11_unparsable_certificate',
  'pkcs11_multiple_keys',
  'pkcs11_unsupported_key_type',
  'pkcs11_unsupported_mechanism',
  'pkcs11_unsupported_combination',
  'tpm_wrong_key_password',
  'non_loopback_address',
  'invalid_auth_token',
  'cache_io_error',
  'invalid_profile_name',
  'invalid_credential_value',
]);

/** Codes no source raises (yet), with the reason they stay. */
const RESERVED: Readonly<Record<string, string>> = {
  rotation_unsupported: 'the rotation area answers it for a rotation variant it refuses; none is refused that way today',
};

const SOURCES = ['common/src', 'signer/src', 'ca-server/src', 'cli/src', 'emulator/src'];
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error registry', () => {
  const codes = Object.keys(ERRORS);
  const aliases = Object.values(ERRORS).flatMap((s) => s.aliases ?? []);

  it("codes are unique across areas, and no older spelling is also a code or two codes' spelling", () => {
    const all = ERROR_AREAS.flatMap((a) => Object.keys(a.codes));
    expect(all.length).toBe(new Set(all).size);
    expect(all.length).toBe(codes.length);
    expect(aliases.filter((a) => Object.hasOwn(ERRORS, a))).toEqual([]);
    expect(aliases.length).toBe(new Set(aliases).size);
  });

  it('codes are snake_case <noun>_<problem>; the older names that predate the rule are listed and only shrink', () => {
    for (const c of codes) expect(c).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)+$|^throttled$|^timeout$|^unauthorized$|^forbidden$/);
    expect(codes.filter((c) => !NOUN_PROBLEM.test(c) && !OLDER_NAMES.has(c))).toEqual([]);
    // Every listed older name exists and breaks the rule (else it must leave the list).
    expect([...OLDER_NAMES].filter((c) => !Object.hasOwn(ERRORS, c) || NOUN_PROBLEM.test(c))).toEqual([]);
  });

  it('every spec has a one-line message, an HTTP status the CA uses, exit status 1..3 and a one-line hint', () => {
    for (const [code, s] of Object.entries(ERRORS)) {
      expect(s.message.length, code).toBeGreaterThan(5);
      expect(s.message, code).not.toMatch(/\n/);
      if (s.http !== undefined) expect([400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503], code).toContain(s.http);
      if (s.exit !== undefined) expect([1, 2, 3], code).toContain(s.exit);
      if (s.hint !== undefined) expect(s.hint, code).toMatch(/^[^\n]{10,200}$/);
    }
  });

  it('docs/errors.md is generated from the registry and current (npm run docs:errors)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
    expect(doc, 'docs/errors.md is stale: run `npm run docs:errors`').toBe(renderErrorsDoc());
    for (const c of [...codes, ...aliases]) expect(doc).toContain(`\`${c}\``);
  });

  it('every code is raised somewhere in the sources, or reserved with a reason', () => {
    const src = SOURCES.flatMap((d) => files(join(REPO_ROOT, d)))
      .filter((f) => !f.includes(`${join('common', 'src', 'errors', 'codes')}`))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = codes.filter((c) => !src.includes(`'${c}'`) && !src.includes(`"${c}"`) && !Object.hasOwn(RESERVED, c));
    expect(unused).toEqual([]);
    for (const c of Object.keys(RESERVED)) expect(codes).toContain(c);
  });

  it('older spellings map to the current code: canonicalCode, codeMatches, httpStatusOf, errorFromWire', () => {
    expect(canonicalCode('invalid_serial')).toBe('serial_invalid');
    expect(canonicalCode('serial_invalid')).toBe('serial_invalid');
    expect(canonicalCode('no_such_code')).toBeUndefined();
    expect(codeMatches({ code: 'invalid_serial' }, 'serial_invalid')).toBe(true);
    expect(codeMatches(new RapkiError('serial_invalid', 'x'), 'serial_invalid')).toBe(true);
    expect(codeMatches(new Error('x'), 'serial_invalid')).toBe(false);
    expect(httpStatusOf('invalid_serial')).toBe(400);
    expect(httpStatusOf('pem_invalid')).toBe(500);
    expect(errorFromWire('invalid_serial', 'm').code).toBe('serial_invalid');
    expect(errorFromWire('newer_server_code', 'm').code).toBe('newer_server_code');
    expect(rapkiError('token_used').message).toBe(ERRORS.token_used.message);
  });

  it('a code in no table does not compile', () => {
    // @ts-expect-error 'typo_invalid' is not a RapkiErrorCode.
    const e = new RapkiError('typo_invalid', 'x');
    expect(e.code).toBe('typo_invalid');
  });
});
