import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DerError, readTlv } from '../../../common/src/der/reader.js';
import { encodeTime, readTime } from '../../../common/src/der/time.js';
import { Tag, tlv } from '../../../common/src/der/writer.js';

/** Reads `text` as a UTCTime (0x17) or GeneralizedTime (0x18) element. */
const read = (tag: number, text: string): Date => {
  const el = tlv(tag, Buffer.from(text, 'latin1'));
  return readTime(el, readTlv(el, 0));
};
const utc = (text: string): Date => read(Tag.UTC_TIME, text);
const gen = (text: string): Date => read(Tag.GENERALIZED_TIME, text);

describe('X.509 times (RFC 5280 §4.1.2.5)', () => {
  it('uses UTCTime before 2050 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), whole seconds', () => {
    expect(
      Buffer.from(encodeTime(new Date('2049-12-31T23:59:59.999Z')))
        .toString('latin1')
        .slice(2),
    ).toBe('491231235959Z');
    expect(
      Buffer.from(encodeTime(new Date('2050-01-01T00:00:00Z')))
        .toString('latin1')
        .slice(2),
    ).toBe('20500101000000Z');
    expect(
      Buffer.from(encodeTime(new Date('1950-01-01T00:00:00Z')))
        .toString('latin1')
        .slice(2),
    ).toBe('500101000000Z');
    expect(encodeTime(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        const enc = encodeTime(d);
        return readTime(enc, readTlv(enc, 0)).getTime() === Math.floor(d.getTime() / 1000) * 1000;
      }),
      { numRuns: 300 },
    );
  });

  it('reads UTCTime years 50–99 as 19YY and 00–49 as 20YY (the 49/50 boundary)', () => {
    expect(utc('491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(utc('500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(utc('991231235959Z').toISOString()).toBe('1999-12-31T23:59:59.000Z');
    expect(utc('000101000000Z').toISOString()).toBe('2000-01-01T00:00:00.000Z');
  });

  it('refuses a month 13, a day 0, 30 February and 31 April instead of rolling them over', () => {
    for (const bad of ['261301000000Z', '260001000000Z', '260100000000Z', '260230000000Z', '260431000000Z', '260132000000Z']) {
      expect(() => utc(bad), bad).toThrow(DerError);
    }
    expect(() => gen('20261301000000Z')).toThrow(DerError);
    expect(() => gen('20260230000000Z')).toThrow(DerError);
  });

  it('accepts 29 February only in leap years (divisible by 4, centuries only by 400)', () => {
    expect(utc('240229000000Z').toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(() => utc('250229000000Z')).toThrow(DerError);
    expect(gen('20000229120000Z').toISOString()).toBe('2000-02-29T12:00:00.000Z');
    expect(() => gen('21000229000000Z')).toThrow(DerError);
    expect(() => utc('000230000000Z')).toThrow(DerError);
  });

  it('refuses hours, minutes and seconds out of range (no leap second 60)', () => {
    for (const bad of ['260101240000Z', '260101006000Z', '260101000060Z']) expect(() => utc(bad), bad).toThrow(DerError);
    expect(utc('260101235959Z').toISOString()).toBe('2026-01-01T23:59:59.000Z');
  });

  it('refuses fractional seconds, offsets, missing seconds and missing Z in both types', () => {
    for (const bad of ['20500101000000.5Z', '20500101000000.000Z', '20500101000000+0100', '205001010000Z', '20500101000000', '20500101000000z']) {
      expect(() => gen(bad), bad).toThrow(DerError);
    }
    for (const bad of ['2601010000Z', '260101000000+0100', '260101000000', '260101000000.1Z', ' 60101000000Z']) {
      expect(() => utc(bad), bad).toThrow(DerError);
    }
  });

  it('reads a GeneralizedTime before 2050 (issuers must not write one, relying parties accept it) and years below 100 as written', () => {
    expect(gen('20300101000000Z').toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(gen('00500101000000Z').getUTCFullYear()).toBe(50);
  });

  it('refuses other tags', () => {
    expect(() => read(Tag.OCTET_STRING, '260101000000Z')).toThrow(DerError);
  });

  it('never accepts what it cannot write back byte for byte (property)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(99), fc.nat(14), fc.nat(32), fc.nat(25), fc.nat(61), fc.nat(61)), (fields) => {
        const text = `${fields.map((n) => String(n).padStart(2, '0')).join('')}Z`;
        let d: Date;
        try {
          d = utc(text);
        } catch (e) {
          expect(e).toBeInstanceOf(DerError);
          return;
        }
        const back = encodeTime(d);
        expect(Buffer.from(back.subarray(2)).toString('latin1')).toBe(text);
      }),
      { seed: 5280, numRuns: 1000 },
    );
  });

  it('refuses to write an invalid or out-of-range date', () => {
    expect(() => encodeTime(new Date(NaN))).toThrow(TypeError);
    expect(() => encodeTime(new Date('+010000-01-01T00:00:00Z'))).toThrow(TypeError);
  });
});
