/** The PKCS#11 error table: well-formed, disjoint from the signer table, and every code is thrown somewhere. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRapkiError, RapkiError } from '../../../common/src/errors.js';
import { SIGNER_ERROR_CODES } from '../../../signer/src/errors.js';
import { PKCS11_ERROR_CODES, Pkcs11KeyError } from '../../../common/src/pkcs11/errors.js';

/** The PKCS#11 code: the signer's key sources and the shared core in common/ (also used by the CA). */
const dirs = [
  fileURLToPath(new URL('../../../signer/src/keys/pkcs11/', import.meta.url)),
  fileURLToPath(new URL('../../../common/src/pkcs11/', import.meta.url)),
];

describe('PKCS#11 error table', () => {
  it('snake_case codes with one-line descriptions, none shared with the signer table', () => {
    for (const [code, description] of Object.entries(PKCS11_ERROR_CODES)) {
      expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(description.length).toBeGreaterThan(10);
      expect(description).not.toContain('\n');
      expect(Object.keys(SIGNER_ERROR_CODES)).not.toContain(code);
    }
  });

  it('every code is raised by some PKCS#11 source file', () => {
    const src = dirs
      .flatMap((dir) =>
        readdirSync(dir)
          .filter((f) => f.endsWith('.ts') && f !== 'errors.ts')
          .map((f) => readFileSync(join(dir, f), 'utf8')),
      )
      .join('\n');
    const unused = Object.keys(PKCS11_ERROR_CODES).filter((c) => !src.includes(`'${c}'`));
    expect(unused).toEqual([]);
  });

  it('Pkcs11KeyError is a RapkiError with the wire shape', () => {
    const e = new Pkcs11KeyError('pkcs11_wrong_pin', 'no', { cause: new Error('CKR_PIN_INCORRECT') });
    expect(e).toBeInstanceOf(RapkiError);
    expect(isRapkiError(e)).toBe(true);
    expect(e.toJSON()).toEqual({ code: 'pkcs11_wrong_pin', message: 'no' });
  });
});
