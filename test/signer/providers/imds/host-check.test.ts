import { describe, expect, it } from 'vitest';
import { hostChecker, parseHostHeader } from '../../../../signer/src/providers/imds/host-check.js';

describe('hostChecker (DNS rebinding)', () => {
  it('on 127.0.0.1: the address and localhost, with the listening port only', () => {
    const ok = hostChecker('127.0.0.1', 9911);
    for (const h of ['127.0.0.1:9911', 'localhost:9911', 'LocalHost:9911']) expect(ok(h)).toBe(true);
    for (const h of [
      'evil.example:9911',
      'localhost.evil.example:9911',
      '127.0.0.1:9912',
      '127.0.0.1',
      'localhost',
      '127.0.0.2:9911',
      '[::1]:9911',
      '',
      'a b:9911',
      undefined,
    ]) {
      expect(ok(h)).toBe(false);
    }
    expect(hostChecker('127.0.0.1', 80)('127.0.0.1')).toBe(true); // port 80 may be omitted (RFC 9110 §7.2)
  });

  it('on ::1 and on localhost', () => {
    const six = hostChecker('::1', 9911);
    expect(six('[::1]:9911')).toBe(true);
    expect(six('[0:0:0:0:0:0:0:1]:9911')).toBe(true);
    expect(six('localhost:9911')).toBe(true);
    expect(six('127.0.0.1:9911')).toBe(false);
    const name = hostChecker('localhost', 9911);
    for (const h of ['localhost:9911', '127.0.0.1:9911', '[::1]:9911']) expect(name(h)).toBe(true);
  });

  it('on a non-loopback or wildcard address: that address; for the wildcard, IP literals and localhost but no names', () => {
    const lan = hostChecker('192.0.2.10', 9911);
    expect(lan('192.0.2.10:9911')).toBe(true);
    expect(lan('localhost:9911')).toBe(false);
    expect(lan('host.lan:9911')).toBe(false);
    const any = hostChecker('0.0.0.0', 9911);
    for (const h of ['10.1.2.3:9911', '[fe80::1]:9911', 'localhost:9911']) expect(any(h)).toBe(true);
    expect(any('rebind.example:9911')).toBe(false);
  });

  it('also answers the names the operator lists (--allow-host), with the port', () => {
    const ok = hostChecker('0.0.0.0', 9911, ['rapki-sidecar', 'Creds.Svc.Local']);
    expect(ok('rapki-sidecar:9911')).toBe(true);
    expect(ok('creds.svc.local:9911')).toBe(true);
    expect(ok('rapki-sidecar:9912')).toBe(false);
    expect(ok('evil.example:9911')).toBe(false);
  });

  it('parses Host headers', () => {
    expect(parseHostHeader('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostHeader('Example.COM')).toEqual({ host: 'example.com', port: undefined });
    expect(parseHostHeader('a:b:c')).toBeUndefined();
    expect(parseHostHeader('[::1')).toBeUndefined();
  });
});
