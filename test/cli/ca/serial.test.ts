import { describe, expect, it } from 'vitest';
import { parseSerial, sameSerial } from '../../../cli/src/ca-client/serial.js';

describe('parseSerial', () => {
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
  ])('accepts %j', (input) => {
    expect(parseSerial(input).hex).toBe(canonical);
  });

  it('pads to whole octets and drops a DER sign byte', () => {
    expect(parseSerial('f').hex).toBe('0f');
    expect(parseSerial('00:80:01').hex).toBe('8001');
    expect(parseSerial('7f3a').value).toBe(0x7f3an);
  });

  it('accepts a 20-octet serial and the openssl -serial line of a real-looking one', () => {
    const twenty = 'ff'.repeat(20);
    expect(parseSerial(twenty).hex).toBe(twenty);
    expect(parseSerial(`serial=${'00' + twenty.toUpperCase()}`).hex).toBe(twenty);
  });

  it.each([[''], ['  '], ['xyz'], ['0g'], ['0'], ['00:00'], ['12:345'], ['ab::cd'], ['serial='], ['-1'], ['1'.repeat(201)], ['ff'.repeat(22)]])(
    'refuses %j with serial_invalid',
    (input) => {
      expect(() => parseSerial(input)).toThrow(expect.objectContaining({ code: 'serial_invalid' }));
    },
  );

  it('sameSerial compares values across spellings', () => {
    expect(sameSerial('serial=00FF10', 'ff:10')).toBe(true);
    expect(sameSerial('ff10', 'ff11')).toBe(false);
    expect(sameSerial('zz', 'zz')).toBe(false);
  });
});
