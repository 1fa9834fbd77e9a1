import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { fingerprintsEqual, normalizeFingerprint } from '../../../cli/src/ca-client/fingerprint.js';

const hex = createHash('sha256').update('root').digest('hex');
const colonUpper = hex.toUpperCase().match(/../g)!.join(':');

describe('normalizeFingerprint', () => {
  it.each([[hex], [hex.toUpperCase()], [colonUpper], [`sha256 Fingerprint=${colonUpper}`], [`SHA256:${hex}`], [`  ${hex}\n`]])('accepts %j', (input) => {
    expect(normalizeFingerprint(input)).toBe(hex);
  });

  it.each([[''], [hex.slice(2)], [`${hex}00`], [hex.replace(/^./, 'g')], ['sha1:' + hex]])('refuses %j', (input) => {
    expect(() => normalizeFingerprint(input)).toThrow(expect.objectContaining({ code: 'ca_fingerprint_invalid' }));
  });

  it('hashes DER and compares in constant time', () => {
    expect(sha256Fingerprint(Buffer.from('root'))).toBe(hex);
    expect(fingerprintsEqual(hex, hex)).toBe(true);
    expect(fingerprintsEqual(hex, hex.replace(/.$/, hex.endsWith('0') ? '1' : '0'))).toBe(false);
    expect(fingerprintsEqual(hex, 'abcd')).toBe(false);
  });
});
