import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from '../../../signer/src/session/proxy.js';

const target = { protocol: 'https:' as const, hostname: 'rolesanywhere.us-east-1.amazonaws.com', port: 443 };

describe('proxyFor', () => {
  it('uses HTTPS_PROXY (upper case first) for https targets, HTTP_PROXY for plain http ones', () => {
    expect(proxyFor(target, { HTTPS_PROXY: 'http://proxy.corp:3128' })?.url.href).toBe('http://proxy.corp:3128/');
    expect(proxyFor(target, { https_proxy: 'proxy.corp:8080' })?.url.href).toBe('http://proxy.corp:8080/');
    expect(proxyFor(target, { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' })).toMatchObject({
      variable: 'HTTPS_PROXY',
      url: { host: 'upper:1' },
    });
    expect(proxyFor(target, { HTTPS_PROXY: '', https_proxy: 'http://lower:1' })).toMatchObject({ variable: 'https_proxy' });
    expect(proxyFor(target, { HTTP_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyFor({ protocol: 'http:', hostname: 'ra.example', port: 80 }, { HTTP_PROXY: 'http://p:1' })?.url.host).toBe('p:1');
    expect(proxyFor(target, { HTTPS_PROXY: 'https://p:443' })?.url.protocol).toBe('https:');
    expect(proxyFor(target, {})).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: '  ' })).toBeUndefined();
  });

  it('never proxies loopback endpoints (localhost, 127/8, ::1)', () => {
    for (const hostname of ['localhost', '127.0.0.1', '127.9.9.9', '::1', '[::1]']) {
      expect(proxyFor({ protocol: 'https:', hostname, port: 8443 }, { HTTPS_PROXY: 'http://p:1' })).toBeUndefined();
      expect(proxyFor({ protocol: 'http:', hostname, port: 8080 }, { HTTP_PROXY: 'http://p:1' })).toBeUndefined();
    }
  });

  it('honours NO_PROXY (upper case first)', () => {
    expect(proxyFor(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'amazonaws.com' })).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: 'http://p:1', no_proxy: 'example.com' })?.url.host).toBe('p:1');
    expect(proxyFor(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com', no_proxy: 'amazonaws.com' })?.url.host).toBe('p:1');
  });

  it('refuses HTTP_PROXY in a CGI environment and proxies other than http/https', () => {
    expect(() => proxyFor({ protocol: 'http:', hostname: 'ra.example', port: 80 }, { HTTP_PROXY: 'http://p:1', REQUEST_METHOD: 'GET' })).toThrow(
      expect.objectContaining({ code: 'invalid_endpoint' }),
    );
    expect(() => proxyFor(target, { HTTPS_PROXY: 'socks5://p:1080' })).toThrow(expect.objectContaining({ message: expect.stringContaining('socks5') }));
  });

  it('does not echo a malformed proxy value (it may hold credentials)', () => {
    try {
      proxyFor(target, { HTTPS_PROXY: 'http://user:s3cret@[bad' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
      expect((e as { code: string }).code).toBe('invalid_endpoint');
    }
  });
});

describe('bypassesProxy', () => {
  // Cases of Go's golang.org/x/net/http/httpproxy semantics.
  it.each([
    ['*', 'any.host', 443, true],
    ['amazonaws.com', 'rolesanywhere.us-east-1.amazonaws.com', 443, true],
    ['amazonaws.com', 'amazonaws.com', 443, true],
    ['.amazonaws.com', 'amazonaws.com', 443, false],
    ['.amazonaws.com', 'x.amazonaws.com', 443, true],
    ['*.amazonaws.com', 'x.amazonaws.com', 443, true],
    ['*.amazonaws.com', 'amazonaws.com', 443, false],
    ['amazonaws.com:443', 'x.amazonaws.com', 443, true],
    ['[2001:db8::1]:443', '2001:db8::1', 443, true],
    ['2001:db8::/32', '2001:db8:1::5', 443, true],
    ['2001:db8::/32', '2001:db9::5', 443, false],
    ['10.0.0.1', '10.0.0.1', 443, true],
    ['localhost.example', 'localhost', 443, true],
    ['', 'localhost', 443, true],
    ['', '127.1.2.3', 443, true],
    ['zonaws.com', 'rolesanywhere.us-east-1.amazonaws.com', 443, false],
    ['host.example:8443', 'host.example', 8443, true],
    ['host.example:8443', 'host.example', 443, false],
    ['10.0.0.0/8', '10.1.2.3', 443, true],
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    ['127.0.0.1', '127.0.0.1', 9000, true],
    [' foo , 127.0.0.1 ', '127.0.0.1', 9000, true],
    ['::1', '::1', 443, true],
    ['', 'a', 1, false],
  ])('NO_PROXY=%j %s:%d → %s', (noProxy, host, port, expected) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(expected);
  });
});
