import { describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../../signer/src/sigv4/authorization-header.js';

describe('authorizationHeader', () => {
  it("uses the helper's separators and lower-case hex", () => {
    expect(authorizationHeader('AWS4-X509-ECDSA-SHA256', '21', 'd/r/rolesanywhere/aws4_request', 'host;x-amz-date', Uint8Array.of(0xab, 0x01, 0xff))).toBe(
      'AWS4-X509-ECDSA-SHA256 Credential=21/d/r/rolesanywhere/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab01ff',
    );
  });
  it('respects the view of a Uint8Array that is a slice of a larger buffer', () => {
    const big = Uint8Array.of(1, 2, 3, 4);
    expect(authorizationHeader('A', '1', 's', 'h', big.subarray(1, 3))).toMatch(/Signature=0203$/);
  });
});
