/** The TPM error table: well-formed, disjoint from the signer and PKCS#11 tables, and every code is thrown somewhere. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRapkiError, RapkiError } from '../../../../common/src/errors.js';
import { SIGNER_ERROR_CODES } from '../../../../signer/src/errors.js';
import { PKCS11_ERROR_CODES } from '../../../../common/src/pkcs11/errors.js';
import { TPM_ERROR_CODES, TpmKeyError } from '../../../../signer/src/keys/tpm/errors.js';

const dir = fileURLToPath(new URL('../../../../signer/src/keys/tpm/', import.meta.url));
const hostMd = readFileSync(fileURLToPath(new URL('../../../../docs/host.md', import.meta.url)), 'utf8');

describe('TPM error table', () => {
  it('snake_case codes with one-line descriptions, none shared with the signer or PKCS#11 tables', () => {
    for (const [code, description] of Object.entries(TPM_ERROR_CODES)) {
      expect(code).toMatch(/^tpm_[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(description.length).toBeGreaterThan(10);
      expect(description).not.toContain('\n');
      expect(Object.keys(SIGNER_ERROR_CODES)).not.toContain(code);
      expect(Object.keys(PKCS11_ERROR_CODES)).not.toContain(code);
    }
  });

  it('every code is raised by some TPM source file and listed in docs/host.md', () => {
    const src = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'errors.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(Object.keys(TPM_ERROR_CODES).filter((c) => !src.includes(`'${c}'`))).toEqual([]);
    expect(Object.keys(TPM_ERROR_CODES).filter((c) => !hostMd.includes(`\`${c}\``))).toEqual([]);
  });

  it('TpmKeyError is a RapkiError with the wire shape', () => {
    const e = new TpmKeyError('tpm_lockout', 'no', { cause: new Error('0x921') });
    expect(e).toBeInstanceOf(RapkiError);
    expect(isRapkiError(e)).toBe(true);
    expect(e.toJSON()).toEqual({ code: 'tpm_lockout', message: 'no' });
  });
});
