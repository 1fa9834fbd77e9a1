import { describe, expect, it } from 'vitest';
import { children, contentBytes, decodeOid, DerError, elementBytes, expectTlv, readTlv, readUnsignedInteger } from '../../../common/src/der/reader.js';

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
  it('refuses high tag numbers and length fields over 4 octets', () => {
    expect(() => readTlv(hex('1f 01 00'), 0)).toThrow(/high tag/);
    expect(() => readTlv(hex('04 85 0000000001 00'), 0)).toThrow(/too large/);
  });
  it('slices elements and contents as views', () => {
    const seq = hex('30 06 0201 05 0401 07'.replace(/ /g, ''));
    const [a, b] = children(seq, readTlv(seq, 0));
    expect([...elementBytes(seq, a!)]).toEqual([0x02, 0x01, 0x05]);
    expect([...contentBytes(seq, b!)]).toEqual([0x07]);
    expect(elementBytes(seq, a!).buffer).toBe(seq.buffer);
  });
  it('refuses a non-OID element as an OID', () => {
    const int = hex('020101');
    expect(() => decodeOid(int, readTlv(int, 0))).toThrow(DerError);
    const empty = hex('0600');
    expect(() => decodeOid(empty, readTlv(empty, 0))).toThrow(DerError);
  });
  it('reads non-negative INTEGERs within a size limit', () => {
    const read = (h: string, max = 20): bigint => {
      const b = hex(h);
      return readUnsignedInteger(b, readTlv(b, 0), max);
    };
    expect(read('020100')).toBe(0n);
    expect(read('02020080')).toBe(128n);
    expect(read(`0215 00${'ff'.repeat(20)}`)).toBe(2n ** 160n - 1n);
    expect(() => read(`0215 01${'00'.repeat(20)}`)).toThrow(/longer than 20/);
    expect(() => read(`0215 7f${'ff'.repeat(20)}`)).toThrow(/longer than 20/);
    expect(() => read('0201ff')).toThrow(/negative/);
    expect(() => read('0202007f')).toThrow(/non-minimal/);
    expect(() => read('0200')).toThrow(/empty/);
    expect(() => read('0401 00')).toThrow(/INTEGER expected/);
  });
});
