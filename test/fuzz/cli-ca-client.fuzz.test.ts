/**
 * Hostile input for the CA client's text parsers (`cli/src/ca-client/`): root fingerprints and
 * certificate serials as people paste them. Each call returns the canonical form or throws a
 * coded error of the registry (common/src/errors/registry.ts), in bounded time (test/support/fuzz.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ERRORS } from '../../common/src/errors/registry.js';
import { normalizeFingerprint } from '../../cli/src/ca-client/fingerprint.js';
import { parseSerial } from '../../common/src/x509/serial.js';
import { coded, fuzzProperty, fuzzTimeout, hostileString } from '../support/fuzz.js';

const name = (): string => expect.getState().currentTestName ?? 'cli';

/** Hex octets joined by a separator, with the prefixes printers use, in either case. */
const pastedHex = (maxOctets: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('', 'serial=', 'SERIAL = ', '0x', 'sha256:', 'SHA256 Fingerprint=', 'sha-256 fingerprint: ', ' '),
      fc.array(fc.stringMatching(/^[0-9a-fA-F]{1,2}$/), { maxLength: maxOctets }),
      fc.constantFrom('', ':', ' ', '-', ' : ', '::', '\t'),
      fc.constantFrom('', ' ', '\n', 'g', '\u0000'),
    )
    .map(([pre, parts, sep, post]) => pre + parts.join(sep) + post);

describe('fuzz: CA client text parsers', () => {
  it(
    'normalizeFingerprint: 64 lower-case hex digits or ca_fingerprint_invalid',
    () => {
      const exact = fc
        .tuple(
          fc.constantFrom('', 'SHA256 Fingerprint=', 'sha256:'),
          fc.array(fc.stringMatching(/^[0-9a-fA-F]{2}$/), { minLength: 31, maxLength: 33 }),
          fc.constantFrom(':', '', ' '),
        )
        .map(([pre, parts, sep]) => pre + parts.join(sep));
      let ok = 0;
      fuzzProperty(
        name(),
        fc.oneof(
          exact,
          pastedHex(34),
          hostileString(120),
          fc.nat({ max: 400 }).map((n) => 'a'.repeat(n)),
        ),
        20_000,
        (text) => {
          const r = coded(() => normalizeFingerprint(text), ERRORS);
          if (r.ok) {
            ok++;
            expect(r.value).toMatch(/^[0-9a-f]{64}$/);
            expect(normalizeFingerprint(r.value)).toBe(r.value);
          } else expect(r.code).toBe('ca_fingerprint_invalid');
        },
      );
      expect(ok).toBeGreaterThan(100);
    },
    fuzzTimeout(30_000),
  );

  it(
    'parseSerial: a positive value of at most 20 octets (RFC 5280 §4.1.2.2) with canonical hex, or serial_invalid',
    () => {
      let ok = 0;
      fuzzProperty(
        name(),
        fc.oneof(
          pastedHex(24),
          hostileString(120),
          fc.nat({ max: 260 }).map((n) => `0x${'f'.repeat(n)}`),
        ),
        20_000,
        (text) => {
          const r = coded(() => parseSerial(text), ERRORS);
          if (r.ok) {
            ok++;
            expect(r.value.value > 0n).toBe(true);
            expect(r.value.hex).toMatch(/^([0-9a-f]{2}){1,20}$/);
            expect(BigInt(`0x${r.value.hex}`)).toBe(r.value.value);
            expect(parseSerial(r.value.hex).value).toBe(r.value.value);
          } else expect(r.code).toBe('serial_invalid');
        },
      );
      expect(ok).toBeGreaterThan(100);
    },
    fuzzTimeout(30_000),
  );
});
