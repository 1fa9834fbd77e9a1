import { describe, expect, it } from 'vitest';
import { endpointFromEnv, plainHttpWarning, resolveEndpoint } from '../../../signer/src/session/endpoint.js';

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
    // The isolated partitions, as the official helper's endpoint table names them.
    ['us-iso-east-1', false, 'rolesanywhere.us-iso-east-1.c2s.ic.gov', 'aws-iso'],
    ['us-iso-west-1', true, 'rolesanywhere-fips.us-iso-west-1.c2s.ic.gov', 'aws-iso'],
    ['us-isob-east-1', false, 'rolesanywhere.us-isob-east-1.sc2s.sgov.gov', 'aws-iso-b'],
    ['eu-isoe-west-1', false, 'rolesanywhere.eu-isoe-west-1.cloud.adc-e.uk', 'aws-iso-e'],
    ['us-isof-south-1', true, 'rolesanywhere-fips.us-isof-south-1.csp.hci.ic.gov', 'aws-iso-f'],
  ])('%s fips=%s → %s', (region, fips, host, partition) => {
    const e = resolveEndpoint({ region, useFipsEndpoint: fips });
    expect(e).toEqual({ region, partition, protocol: 'https:', hostname: host, port: 443, hostHeader: host, path: '/sessions' });
  });

  it('refuses a region outside the known partitions unless an endpoint is given', () => {
    expect(() => resolveEndpoint({ region: 'xx-moon-1' })).toThrow(expect.objectContaining({ code: 'invalid_region' }));
    const e = resolveEndpoint({ region: 'xx-moon-1', endpoint: 'https://ra.example.test' });
    expect(e.hostname).toBe('ra.example.test');
    expect(e.partition).toBeUndefined();
  });

  it('keeps a non-default port in the Host header and a path prefix before /sessions', () => {
    const e = resolveEndpoint({ region: 'us-east-1', endpoint: 'https://127.0.0.1:8443/gw/ra/' });
    expect(e).toMatchObject({ hostname: '127.0.0.1', port: 8443, hostHeader: '127.0.0.1:8443', path: '/gw/ra/sessions' });
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'https://h.example:443' }).hostHeader).toBe('h.example');
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'https://[::1]:9000' })).toMatchObject({ hostname: '::1', hostHeader: '[::1]:9000' });
  });

  it('allows plain http, as the official helper does; a warning is due when it is not loopback', () => {
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'http://127.0.0.1:8080' })).toMatchObject({ protocol: 'http:', port: 8080 });
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'http://localhost' })).toMatchObject({ protocol: 'http:', port: 80 });
    expect(resolveEndpoint({ region: 'us-east-1', endpoint: 'http://ra.example.com' })).toMatchObject({ protocol: 'http:', hostname: 'ra.example.com' });
    expect(plainHttpWarning('http://ra.example.com:8080')).toMatch(
      /plain http: the signed request and the credentials it returns cross the network unencrypted/,
    );
    for (const e of ['http://127.0.0.1:8080', 'http://localhost', 'http://[::1]:1', 'https://ra.example.com', undefined])
      expect(plainHttpWarning(e)).toBeUndefined();
  });

  it('takes AWS_ENDPOINT_URL_ROLESANYWHERE, then AWS_ENDPOINT_URL; none with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', () => {
    expect(endpointFromEnv({ AWS_ENDPOINT_URL: 'https://g', AWS_ENDPOINT_URL_ROLESANYWHERE: 'https://ra' })).toEqual({
      url: 'https://ra',
      variable: 'AWS_ENDPOINT_URL_ROLESANYWHERE',
    });
    expect(endpointFromEnv({ AWS_ENDPOINT_URL: 'https://g', AWS_ENDPOINT_URL_ROLESANYWHERE: ' ' })).toEqual({ url: 'https://g', variable: 'AWS_ENDPOINT_URL' });
    expect(endpointFromEnv({ AWS_ENDPOINT_URL: 'https://g', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBeUndefined();
    expect(endpointFromEnv({})).toBeUndefined();
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
