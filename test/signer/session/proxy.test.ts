import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor } from '../../../signer/src/session/proxy.js';

const target = { protocol: 'https:' as const, hostname: 'rolesanywhere.us-east-1.amazonaws.com', port: 443 };

describe('proxyFor', () => {
  it('uses HTTPS_PROXY (either case) for https targets, HTTP_PROXY for plain loopback', () => {
    expect(proxyFor(target, { HTTPS_PROXY: 'http://proxy.corp:3128' })?.href).toBe('http://proxy.corp:3128/');
    expect(proxyFor(target, { https_proxy: 'proxy.corp:8080' })?.href).toBe('http://proxy.corp:8080/');
    expect(proxyFor(target, { HTTP_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyFor({ protocol: 'http:', hostname: '127.0.0.1', port: 80 }, { HTTP_PROXY: 'http://p:1' })?.host).toBe('p:1');
    expect(proxyFor(target, {})).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: '  ' })).toBeUndefined();
  });

  it('honours NO_PROXY', () => {
    expect(proxyFor(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.amazonaws.com' })).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: 'http://p:1', no_proxy: 'example.com' })?.host).toBe('p:1');
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
  it.each([
    ['*', 'any.host', 443, true],
    ['amazonaws.com', 'rolesanywhere.us-east-1.amazonaws.com', 443, true],
    ['.amazonaws.com', 'amazonaws.com', 443, true],
    ['*.amazonaws.com', 'x.amazonaws.com', 443, true],
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
