import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serialHexToDecimal, serialToDecimal } from '../../../signer/src/sigv4/serial-decimal.js';
import { testSeed } from '../../support/seeded-random.js';

// Fixed by default; a failure prints the seed, RAPKI_TEST_SEED=S replays another.
fc.configureGlobal({ seed: testSeed() });

describe('serialToDecimal', () => {
  it('renders small serials', () => {
    expect(serialToDecimal(Uint8Array.of(0x15))).toBe('21');
    expect(serialToDecimal(Uint8Array.of(0x03))).toBe('3');
  });
  it('strips the leading 0x00 of a high-bit serial and never goes negative', () => {
    expect(serialToDecimal(Uint8Array.of(0x00, 0x80))).toBe('128');
    expect(serialToDecimal(Uint8Array.of(0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe('18446744073709551615');
  });
  it('renders a 20-byte serial exactly', () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => (i === 0 ? 0x7f : 0xff));
    expect(serialToDecimal(bytes)).toBe((2n ** 159n - 1n).toString());
  });
  it('matches BigInt of the hex form for any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 21 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(serialToDecimal(bytes)).toBe(BigInt('0x' + hex).toString());
        expect(serialHexToDecimal(hex)).toBe(BigInt('0x' + hex).toString());
      }),
    );
  });
  it('refuses empty input and non-hex', () => {
    expect(() => serialToDecimal(new Uint8Array())).toThrow(TypeError);
    expect(() => serialHexToDecimal('0xZZ')).toThrow(TypeError);
  });
});
