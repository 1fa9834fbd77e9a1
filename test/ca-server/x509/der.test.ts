import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { children, encodeLength, integerFromBigInt, oid, oidToString, readTime, readTlv, time, tlv } from '../../../ca-server/src/x509/der.js';
import { testSeed } from '../../support/seeded-random.js';

// Fixed by default; a failure prints the seed, RAPKI_TEST_SEED=S replays another.
fc.configureGlobal({ seed: testSeed() });

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
    for (const dotted of ['2.999.3', '1.3.6.1.4.1.18446744073709551615', '2.25.329800735698586629295641978511506172918', '0.9.2342.19200300.100.1.25', '2.18446744073709551615.1']) {
      expect(oidToString(oid(dotted).subarray(2))).toBe(dotted);
    }
    expect(Buffer.from(integerFromBigInt(0n)).toString('hex')).toBe('020100');
    expect(Buffer.from(integerFromBigInt(127n)).toString('hex')).toBe('02017f');
    expect(Buffer.from(integerFromBigInt(128n)).toString('hex')).toBe('02020080');
    expect(Buffer.from(integerFromBigInt(256n)).toString('hex')).toBe('02020100');
  });

  it('uses UTCTime before 2050 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), whole seconds', () => {
    expect(Buffer.from(time(new Date('2049-12-31T23:59:59.999Z'))).toString('latin1').slice(2)).toBe('491231235959Z');
    expect(Buffer.from(time(new Date('2050-01-01T00:00:00Z'))).toString('latin1').slice(2)).toBe('20500101000000Z');
    expect(Buffer.from(time(new Date('1950-01-01T00:00:00Z'))).toString('latin1').slice(2)).toBe('500101000000Z');
    expect(time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        const enc = time(d);
        return readTime(enc, readTlv(enc, 0)).getTime() === Math.floor(d.getTime() / 1000) * 1000;
      }),
      { numRuns: 300 },
    );
  });
});
