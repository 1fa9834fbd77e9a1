import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringToSign } from '../../../signer/src/sigv4/string-to-sign.js';

describe('stringToSign', () => {
  it('is algorithm, date, scope, hex SHA-256 of the canonical request, no trailing newline', () => {
    const cr = 'POST\n/sessions\n\nhost:h\n\nhost\nx';
    const s = stringToSign('AWS4-X509-RSA-SHA256', '20240706T113859Z', 'scope', cr);
    expect(s).toBe(`AWS4-X509-RSA-SHA256\n20240706T113859Z\nscope\n${createHash('sha256').update(cr).digest('hex')}`);
    expect(s.endsWith('\n')).toBe(false);
  });
});
