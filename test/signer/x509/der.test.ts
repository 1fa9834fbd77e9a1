import { describe, expect, it } from 'vitest';
import { decodeOid, DerError, expectTlv, readTlv } from '../../../signer/src/x509/der.js';

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('DER reader', () => {
  it('reads short and long definite lengths', () => {
    expect(readTlv(hex('0403aabbcc'), 0)).toMatchObject({ tag: 0x04, start: 2, end: 5 });
    const long = Buffer.concat([hex('048180'), Buffer.alloc(0x80)]);
    expect(readTlv(long, 0)).toMatchObject({ start: 3, end: 0x83 });
  });
  it('refuses indefinite, non-minimal and overlong lengths', () => {
    expect(() => readTlv(hex('3080 0000'), 0)).toThrow(DerError);
    expect(() => readTlv(hex('04 81 05 0102030405'), 0)).toThrow(/non-minimal/);
    expect(() => readTlv(hex('04 05 0102'), 0)).toThrow(/past its container/);
    expect(() => readTlv(hex('04'), 0)).toThrow(/truncated/);
  });
  it('checks the expected tag', () => {
    expect(() => expectTlv(hex('0400'), 0, 0x30)).toThrow(/expected DER tag 0x30/);
  });
  it('decodes OIDs, including multi-byte arcs', () => {
    const oid = hex('06 08 2a8648ce3d040302');
    expect(decodeOid(oid, readTlv(oid, 0))).toBe('1.2.840.10045.4.3.2');
    const two = hex('06 03 550413');
    expect(decodeOid(two, readTlv(two, 0))).toBe('2.5.4.19');
    const big = hex('06 03 883703'); // 2.999.3
    expect(decodeOid(big, readTlv(big, 0))).toBe('2.999.3');
  });
});
