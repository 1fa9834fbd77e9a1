import { describe, expect, it } from 'vitest';
import { bytesToIp, ipToBytes } from '../../../common/src/x509/ip-address.js';
import { canonicalSan, decodeGeneralNames, encodeGeneralNames } from '../../../ca-server/src/x509/san.js';

describe('subject alternative names (RFC 5280 §4.2.1.6)', () => {
  it('encodes and decodes every supported type', () => {
    const sans = [
      { type: 'dns', value: 'a.example.com' },
      { type: 'dns', value: '*.svc.example.com' },
      { type: 'ip', value: '192.0.2.10' },
      { type: 'ip', value: '2001:db8::1' },
      { type: 'ip', value: '::ffff:192.0.2.1' },
      { type: 'uri', value: 'spiffe://example.com/ns/a' },
      { type: 'email', value: 'ops@example.com' },
    ] as const;
    const back = decodeGeneralNames(encodeGeneralNames(sans));
    expect(back.map((s) => `${s.type}:${s.value}`)).toEqual([
      'dns:a.example.com',
      'dns:*.svc.example.com',
      'ip:192.0.2.10',
      'ip:2001:db8::1',
      'ip:::ffff:c000:201',
      'uri:spiffe://example.com/ns/a',
      'email:ops@example.com',
    ]);
  });

  it('handles IPv6 forms and canonical comparison', () => {
    expect(bytesToIp(ipToBytes('2001:0db8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
    expect(bytesToIp(ipToBytes('::')!)).toBe('::');
    expect(bytesToIp(ipToBytes('1::')!)).toBe('1::');
    expect(bytesToIp(ipToBytes('1:0:2:0:0:0:3:4')!)).toBe('1:0:2::3:4');
    expect(canonicalSan({ type: 'dns', value: 'A.Example.COM' })).toBe(canonicalSan({ type: 'dns', value: 'a.example.com' }));
    expect(canonicalSan({ type: 'ip', value: '2001:DB8:0::1' })).toBe('ip:2001:db8::1');
  });

  it('refuses invalid names with san_invalid', () => {
    for (const san of [
      { type: 'dns', value: '' },
      { type: 'dns', value: 'has space.example.com' },
      { type: 'dns', value: '-lead.example.com' },
      { type: 'dns', value: 'trailing.dot.' },
      { type: 'ip', value: '300.1.1.1' },
      { type: 'ip', value: 'host' },
      { type: 'uri', value: 'no-scheme' },
      { type: 'email', value: 'nobody' },
      { type: 'x400', value: 'x' },
    ]) {
      expect(() => encodeGeneralNames([san as never]), JSON.stringify(san)).toThrow(expect.objectContaining({ code: 'san_invalid' }));
    }
  });
});
