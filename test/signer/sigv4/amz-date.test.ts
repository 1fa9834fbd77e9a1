import { describe, expect, it } from 'vitest';
import { formatAmzDate } from '../../../signer/src/sigv4/amz-date.js';

describe('formatAmzDate', () => {
  it('formats UTC with second precision, truncating milliseconds', () => {
    expect(formatAmzDate(new Date('2024-07-06T11:38:59.999Z'))).toBe('20240706T113859Z');
    expect(formatAmzDate(new Date('2001-02-03T04:05:06Z'))).toBe('20010203T040506Z');
  });
  it('refuses an invalid date', () => {
    expect(() => formatAmzDate(new Date('nope'))).toThrow(TypeError);
  });
});
