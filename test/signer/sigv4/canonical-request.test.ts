import { describe, expect, it } from 'vitest';
import { canonicalRequest } from '../../../signer/src/sigv4/canonical-request.js';

describe('canonicalRequest', () => {
  it('puts one blank line between headers and signed headers', () => {
    expect(
      canonicalRequest({
        method: 'POST',
        path: '/sessions',
        canonicalQuery: 'a=b',
        canonicalHeaders: 'host:h\nx:y',
        signedHeaders: 'host;x',
        payloadHash: 'abc',
      }),
    ).toBe('POST\n/sessions\na=b\nhost:h\nx:y\n\nhost;x\nabc');
  });
});
