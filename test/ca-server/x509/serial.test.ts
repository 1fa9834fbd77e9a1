import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newSerial, normalizeSerialHex, serialContentFromHex, serialHexFromContent } from '../../../ca-server/src/x509/index.js';
import { testSeed } from '../../support/seeded-random.js';

// Fixed by default; a failure prints the seed, RAPKI_TEST_SEED=S replays another.
fc.configureGlobal({ seed: testSeed() });

describe('serials (RFC 5280 §4.1.2.2)', () => {
  it('newSerial: 16 bytes, positive, minimal, from the injected randomness', () => {
    expect([...newSerial(() => new Uint8Array(16).fill(0xff))].slice(0, 2)).toEqual([0x7f, 0xff]);
    expect(newSerial(() => new Uint8Array(16))[0]).toBe(0x40);
    expect(newSerial(() => Uint8Array.of(0x80, ...new Uint8Array(15)))[0]).toBe(0x40);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (r) => {
        const s = newSerial(() => r);
        return s.length === 16 && s[0]! > 0 && s[0]! < 0x80 && s.subarray(1).every((b, i) => b === r[i + 1]);
      }),
    );
    const seen = new Set(Array.from({ length: 1000 }, () => Buffer.from(newSerial()).toString('hex')));
    expect(seen.size).toBe(1000);
  });

  it('normalises serials as people paste them', () => {
    expect(normalizeSerialHex('0A:1B:2C')).toBe('0a1b2c');
    expect(normalizeSerialHex('serial=00A1B2')).toBe('a1b2');
    expect(normalizeSerialHex('0x0001')).toBe('01');
    expect(normalizeSerialHex(' 7f ff ')).toBe('7fff');
    expect(normalizeSerialHex('abc')).toBe('0abc');
    for (const bad of ['', 'zz', '00', '0x', 'a'.repeat(42)]) {
      expect(() => normalizeSerialHex(bad), bad).toThrow(expect.objectContaining({ code: 'serial_invalid' }));
    }
    expect([...serialContentFromHex('ff01')]).toEqual([0, 0xff, 0x01]);
    expect([...serialContentFromHex('7f')]).toEqual([0x7f]);
    expect(serialHexFromContent(Uint8Array.of(0, 0xff, 1))).toBe('ff01');
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (b) => {
      fc.pre(b.some((x) => x !== 0));
      const hex = normalizeSerialHex(Buffer.from(b).toString('hex').toUpperCase());
      return serialHexFromContent(serialContentFromHex(hex)) === hex;
    }));
  });
});
