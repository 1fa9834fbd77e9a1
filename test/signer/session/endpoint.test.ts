import { describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../../signer/src/session/endpoint.js';

describe('resolveEndpoint', () => {
  it.each([
    ['us-east-1', false, 'rolesanywhere.us-east-1.amazonaws.com', 'aws'],
    ['eu-central-1', false, 'rolesanywhere.eu-central-1.amazonaws.com', 'aws'],
    ['il-central-1', false, 'rolesanywhere.il-central-1.amazonaws.com', 'aws'],
    ['cn-north-1', false, 'rolesanywhere.cn-north-1.amazonaws.com.cn', 'aws-cn'],
    ['cn-northwest-1', true, 'rolesanywhere-fips.cn-northwest-1.amazonaws.com.cn', 'aws-cn'],
    ['us-gov-west-1', false, 'rolesanywhere.us-gov-west-1.amazonaws.com', 'aws-us-gov'],
    ['us-gov-east-1', true, 'rolesanywhere-fips.us-gov-east-1.amazonaws.com', 'aws-us-gov'],
    ['us-west-2', true, 'rolesanywhere-fips.us-west-2.amazonaws.com', 'aws'],
  ])('%s fips=%s → %s', (region, fips, host, partition) => {
    const e = resolveEndpoint({ region, useFipsEndpoint: fips });
    expect(e).toEqual({ region, partition, protocol: 'https:', hostname: host, port: 443, hostHeader: host, path: '/sessions' });
  });

  it('refuses a region outside the known partitions unless an endpoint is given', () => {
    expect(() => resolveEndpoint({ region: 'us-iso-east-1' })).toThrow(expect.objectContaining({ code: 'invalid_region' }));
    const e = resolveEndpoint({ region: 'us-iso-east-1', endpoint: 'https://ra.example.test' });
    expect(e.hostname).toBe('ra.example.test');
    expect(e.partition).toBeUndefined();
  });

  it('keeps a non-default port in the Host header and a path prefix before /sessions', () => {
    const e = resolveEndpoint({ region: 'us-east-1', endpoint: 'https://127.0.0.1:8443/gw/ra/' });
    expect(e).toMatchObject({ hostname: '127.0.0.1', port: 8443, hostHeader: '127.0.0.1:8443', path: '/gw/ra/sessions' });
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'https://h.example:443' }).hostHeader).toBe('h.example');
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'https://[::1]:9000' })).toMatchObject({ hostname: '::1', hostHeader: '[::1]:9000' });
  });

  it('allows plain http only on loopback', () => {
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'http://127.0.0.1:8080' })).toMatchObject({ protocol: 'http:', port: 8080 });
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'http://localhost' })).toMatchObject({ protocol: 'http:', port: 80 });
    expect(() => resolveEndpoint({ region: 'us-east-1', endpoint: 'http://ra.example.com' })).toThrow(
      expect.objectContaining({ code: 'invalid_endpoint' }),
    );
  });

  it('refuses malformed endpoints and FIPS with a custom endpoint', () => {
    for (const endpoint of ['not a url', 'ftp://x.example', 'https://u:p@x.example', 'https://x.example/?a=b', 'https://x.example/#f']) {
      expect(() => resolveEndpoint({ region: 'us-east-1', endpoint })).toThrow(expect.objectContaining({ code: 'invalid_endpoint' }));
    }
    expect(() => resolveEndpoint({ region: 'us-east-1', endpoint: 'https://x.example', useFipsEndpoint: true })).toThrow(
      expect.objectContaining({ code: 'invalid_endpoint' }),
    );
  });
});
