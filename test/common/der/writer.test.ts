import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { children, oidToString, readTlv } from '../../../common/src/der/reader.js';
import {
  DER_NULL,
  encodeLength,
  implicit,
  integerFromBigInt,
  integerFromContent,
  integerFromNumber,
  integerFromUnsigned,
  oid,
  tlv,
  utf8String,
} from '../../../common/src/der/writer.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('DER primitives (X.690)', () => {
  it('encodes lengths in short and long form and reads them back', () => {
    expect([...encodeLength(0x7f)]).toEqual([0x7f]);
    expect([...encodeLength(0x80)]).toEqual([0x81, 0x80]);
    expect([...encodeLength(0x1234)]).toEqual([0x82, 0x12, 0x34]);
    expect([...encodeLength(0x123456)]).toEqual([0x83, 0x12, 0x34, 0x56]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), (n) => {
        const t = readTlv(tlv(0x04, new Uint8Array(n)), 0);
        return t.end - t.start === n;
      }),
      { numRuns: 200 },
    );
  });

  it('rejects indefinite, non-minimal and truncated lengths', () => {
    expect(() => readTlv(Uint8Array.of(0x30, 0x80, 0, 0), 0)).toThrow(/indefinite/);
    expect(() => readTlv(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5), 0)).toThrow(/non-minimal/);
    expect(() => readTlv(Uint8Array.of(0x04, 0x05, 1), 0)).toThrow(/truncated/);
    expect(() => children(Uint8Array.of(0x30, 0x03, 0x04, 0x05, 0x00), readTlv(Uint8Array.of(0x30, 0x03, 0x04, 0x05, 0x00), 0))).toThrow(/truncated/);
  });

  it('encodes OIDs and INTEGERs like the reference encodings', () => {
    expect(Buffer.from(oid('1.2.840.10045.4.3.2')).toString('hex')).toBe('06082a8648ce3d040302');
    expect(Buffer.from(oid('2.5.29.19')).toString('hex')).toBe('0603551d13');
    expect(Buffer.from(oid('2.999.3')).toString('hex')).toBe('0603883703');
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2 ** 40 }), { minLength: 1, maxLength: 6 }), (rest) => {
        const dotted = `1.3.${rest.join('.')}`;
        const der = oid(dotted);
        return oidToString(der.subarray(2)) === dotted;
      }),
      { numRuns: 200 },
    );
    for (const dotted of [
      '2.999.3',
      '1.3.6.1.4.1.18446744073709551615',
      '2.25.329800735698586629295641978511506172918',
      '0.9.2342.19200300.100.1.25',
      '2.18446744073709551615.1',
    ]) {
      expect(oidToString(oid(dotted).subarray(2))).toBe(dotted);
    }
    expect(Buffer.from(integerFromBigInt(0n)).toString('hex')).toBe('020100');
    expect(Buffer.from(integerFromBigInt(127n)).toString('hex')).toBe('02017f');
    expect(Buffer.from(integerFromBigInt(128n)).toString('hex')).toBe('02020080');
    expect(Buffer.from(integerFromBigInt(256n)).toString('hex')).toBe('02020100');
  });

  it('encodes INTEGERs from unsigned magnitudes (ECDSA r and s) and from ready content', () => {
    expect(Buffer.from(integerFromUnsigned(Uint8Array.of(0, 0, 0x7f))).toString('hex')).toBe('02017f');
    expect(Buffer.from(integerFromUnsigned(Uint8Array.of(0x80, 1))).toString('hex')).toBe('0203008001');
    expect(Buffer.from(integerFromUnsigned(Uint8Array.of(0, 0))).toString('hex')).toBe('020100');
    expect(Buffer.from(integerFromContent(Uint8Array.of(0, 0x80))).toString('hex')).toBe('02020080');
    expect(() => integerFromContent(Uint8Array.of(0x80))).toThrow(/negative/);
    expect(() => integerFromContent(Uint8Array.of(0, 1))).toThrow(/minimal/);
    expect(() => integerFromContent(new Uint8Array())).toThrow(/empty/);
    expect(() => integerFromBigInt(-1n)).toThrow(TypeError);
  });

  it('refuses malformed OIDs instead of encoding them', () => {
    for (const bad of ['1', '1.x', '3.1', '1.40', '', '1..2', '1.2.-3']) expect(() => oid(bad), bad).toThrow(TypeError);
  });

  it('writes strings, NULL and IMPLICIT primitives', () => {
    expect(Buffer.from(utf8String('é')).toString('hex')).toBe('0c02c3a9');
    expect([...DER_NULL]).toEqual([0x05, 0x00]);
    expect(Buffer.from(implicit(2, Buffer.from('a'))).toString('hex')).toBe('820161');
    expect(() => encodeLength(-1)).toThrow(TypeError);
  });
});

describe("DER writer: the encodings the CLI's CSRs rely on", () => {
  it('encodes INTEGERs minimally with a sign byte when needed (X.690 §8.3)', () => {
    expect(hex(integerFromNumber(0))).toBe('020100');
    expect(hex(integerFromNumber(127))).toBe('02017f');
    expect(hex(integerFromNumber(128))).toBe('02020080');
    expect(hex(integerFromNumber(0x10001))).toBe('0203010001');
  });
  it('encodes OIDs (X.690 §8.19)', () => {
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11');
    expect(hex(oid('1.2.840.113549.1.9.14'))).toBe('06092a864886f70d01090e');
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
  });
  it('uses long-form lengths from 128 bytes on (X.690 §8.1.3.5)', () => {
    expect(hex(tlv(0x04, Buffer.alloc(127)).subarray(0, 2))).toBe('047f');
    expect(hex(tlv(0x04, Buffer.alloc(128)).subarray(0, 3))).toBe('048180');
    expect(hex(tlv(0x04, Buffer.alloc(300)).subarray(0, 4))).toBe('0482012c');
  });
});
