import { describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256 } from '../../../signer/src/constants.js';
import { payloadHash } from '../../../signer/src/sigv4/payload-hash.js';

describe('payloadHash', () => {
  it('hashes the empty body to the SigV4 constant', () => {
    expect(payloadHash('')).toBe(EMPTY_BODY_SHA256);
  });
  it('hashes the KAT body', () => {
    expect(payloadHash('{"durationSeconds":3600}')).toBe('1a15f67f6619aa540b13e9a4c37d149fb2c9bdea25d82b73a3878826694dfe27');
  });
  it('treats strings as UTF-8 and bytes as bytes', () => {
    expect(payloadHash('é')).toBe(payloadHash(Buffer.from([0xc3, 0xa9])));
  });
});
