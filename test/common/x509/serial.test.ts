import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  newSerial,
  normalizeSerialHex,
  parseSerial,
  SerialError,
  serialContentFromHex,
  serialHexFromContent,
  serialToDecimal,
} from '../../../common/src/x509/serial.js';
import { randomBytes } from 'node:crypto';

describe('parseSerial (RFC 5280 §4.1.2.2)', () => {
  const canonical = '0a1bff';
  it.each([
    ['0a1bff'],
    ['0A1BFF'],
    ['A1BFF'],
    ['000A1BFF'],
    ['0a:1b:ff'],
    ['0A:1B:FF'],
    ['a:1b:ff'],
    ['serial=0A1BFF'],
    ['SERIAL = 0a1bff'],
    ['0x0a1bff'],
    ['  0a 1b ff  '],
    ['0a-1b-ff'],
    ['0a1b ff'],
    ['a 1bff'],
  ])('accepts %j', (input) => {
    expect(parseSerial(input).hex).toBe(canonical);
  });

  it('pads to whole octets and drops a DER sign byte', () => {
    expect(parseSerial('f').hex).toBe('0f');
    expect(parseSerial('00:80:01').hex).toBe('8001');
    expect(parseSerial('7f3a').value).toBe(0x7f3an);
  });

  it('normalises serials as people paste them', () => {
    expect(normalizeSerialHex('0A:1B:2C')).toBe('0a1b2c');
    expect(normalizeSerialHex('serial=00A1B2')).toBe('a1b2');
    expect(normalizeSerialHex('0x0001')).toBe('01');
    expect(normalizeSerialHex(' 7f ff ')).toBe('7fff');
    expect(normalizeSerialHex('abc')).toBe('0abc');
  });

  it('accepts 20 octets, with or without a sign byte in front, and refuses 21', () => {
    const twenty = 'ff'.repeat(20);
    expect(parseSerial(twenty).hex).toBe(twenty);
    expect(parseSerial(`serial=${'00' + twenty.toUpperCase()}`).hex).toBe(twenty);
    expect(parseSerial('7f'.repeat(20)).hex).toBe('7f'.repeat(20));
    // 21 value octets: over the limit however it is spelled.
    for (const text of ['ff'.repeat(21), '01' + 'ff'.repeat(20), Array(21).fill('ff').join(':'), `0x01${'00'.repeat(20)}`]) {
      expect(() => parseSerial(text), text).toThrow(SerialError);
    }
  });

  it.each([
    [''],
    ['  '],
    ['xyz'],
    ['0g'],
    ['0'],
    ['00:00'],
    ['12:345'],
    ['ab::cd'],
    ['0a1 bff'],
    ['0a:1b:f'],
    ['0a::'],
    ['serial='],
    ['0x'],
    ['-1'],
    ['1'.repeat(201)],
    ['ff'.repeat(22)],
    ['zz'],
    ['00'],
    ['a'.repeat(42)],
  ])('refuses %j', (input) => {
    expect(() => parseSerial(input)).toThrow(SerialError);
  });

  it('a non-string is a caller error', () => {
    expect(() => parseSerial(12 as unknown as string)).toThrow(TypeError);
  });

  it('every accepted spelling round-trips to itself (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.constantFrom('', ':', ' ', '-'), (b, sep) => {
        fc.pre(b.some((x) => x !== 0));
        const text = [...b].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(sep);
        const { hex, value } = parseSerial(text);
        expect(BigInt(`0x${hex}`)).toBe(value);
        expect(hex).toMatch(/^([0-9a-f]{2}){1,20}$/);
        expect(hex.startsWith('00')).toBe(false);
        expect(parseSerial(hex).hex).toBe(hex);
        expect(serialHexFromContent(serialContentFromHex(hex))).toBe(hex);
      }),
      { seed: 12 },
    );
  });
});

describe('serial content bytes', () => {
  it('adds a sign byte when the top bit is set and drops it when reading', () => {
    expect([...serialContentFromHex('ff01')]).toEqual([0, 0xff, 0x01]);
    expect([...serialContentFromHex('7f')]).toEqual([0x7f]);
    expect(serialHexFromContent(Uint8Array.of(0, 0xff, 1))).toBe('ff01');
    expect(serialHexFromContent(Uint8Array.of(0))).toBe('00');
  });

  it('reads a foreign serial over 20 octets (a non-conforming certificate is still readable)', () => {
    expect(serialHexFromContent(new Uint8Array(21).fill(0x11))).toBe('11'.repeat(21));
  });
});

describe('serialToDecimal (the SigV4 Credential= form)', () => {
  it('reads small serials', () => {
    expect(serialToDecimal(Uint8Array.of(0x15))).toBe('21');
    expect(serialToDecimal(Uint8Array.of(0x03))).toBe('3');
  });
  it('treats the content octets as unsigned: a 00 sign byte changes nothing', () => {
    expect(serialToDecimal(Uint8Array.of(0x00, 0x80))).toBe('128');
    expect(serialToDecimal(Uint8Array.of(0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe('18446744073709551615');
  });
  it('handles 20-octet serials exactly', () => {
    const bytes = Uint8Array.of(0x7f, ...new Array(19).fill(0xff));
    expect(serialToDecimal(bytes)).toBe((2n ** 159n - 1n).toString());
  });
  it('agrees with BigInt for any content (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 21 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(serialToDecimal(bytes)).toBe(BigInt('0x' + hex).toString());
      }),
      { seed: 7 },
    );
  });
  it('refuses empty content', () => {
    expect(() => serialToDecimal(new Uint8Array())).toThrow(TypeError);
  });
});

describe('newSerial', () => {
  it('16 octets, positive, minimal, from the injected randomness', () => {
    expect([...newSerial(() => new Uint8Array(16).fill(0xff))].slice(0, 2)).toEqual([0x7f, 0xff]);
    expect(newSerial(() => new Uint8Array(16))[0]).toBe(0x40);
    expect(newSerial(() => Uint8Array.of(0x80, ...new Uint8Array(15)))[0]).toBe(0x40);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (r) => {
        const s = newSerial(() => r);
        return s.length === 16 && s[0]! > 0 && s[0]! < 0x80 && s.subarray(1).every((b, i) => b === r[i + 1]);
      }),
      { seed: 16 },
    );
    const seen = new Set(Array.from({ length: 1000 }, () => Buffer.from(newSerial(randomBytes)).toString('hex')));
    expect(seen.size).toBe(1000);
  });
  it('refuses randomness of the wrong length', () => {
    expect(() => newSerial(() => new Uint8Array(15))).toThrow(TypeError);
  });
});
