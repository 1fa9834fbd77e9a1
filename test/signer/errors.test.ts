import { describe, expect, it } from 'vitest';
import { isRapkiError, RapkiError } from '../../common/src/errors.js';
import { SIGNER_ERROR_CODES, SignerError } from '../../signer/src/errors.js';

describe('signer error table', () => {
  it('has snake_case codes with a one-line description each', () => {
    const entries = Object.entries(SIGNER_ERROR_CODES);
    expect(entries.length).toBeGreaterThan(30);
    for (const [code, description] of entries) {
      expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(description.length).toBeGreaterThan(10);
      expect(description).not.toContain('\n');
    }
  });
  it('SignerError is a RapkiError with code, message, cause and the wire shape', () => {
    const cause = new Error('inner');
    const err = new SignerError('duration_invalid', 'bad duration', { cause });
    expect(err).toBeInstanceOf(RapkiError);
    expect(isRapkiError(err)).toBe(true);
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({ code: 'duration_invalid', message: 'bad duration' });
  });
});
