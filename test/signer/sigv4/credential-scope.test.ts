import { describe, expect, it } from 'vitest';
import { credentialScope } from '../../../signer/src/sigv4/credential-scope.js';

describe('credentialScope', () => {
  it('joins date, region, rolesanywhere and aws4_request', () => {
    expect(credentialScope('20240706', 'us-east-2')).toBe('20240706/us-east-2/rolesanywhere/aws4_request');
  });
  it('refuses a date that is not YYYYMMDD', () => {
    expect(() => credentialScope('2024-07-06', 'us-east-2')).toThrow(TypeError);
  });
});
