import { describe, expect, it } from 'vitest';
import { resolveCredentialProcess, resolvePassword, resolveTpmKeyPassword, type OptionsIo } from '../../cli/src/signer-options.js';

function io(env: Record<string, string> = {}, files: Record<string, string> = {}): OptionsIo & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    env,
    warnings,
    warn: (l) => warnings.push(l),
    readFileText: (p) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[p]!;
    },
  };
}

const base = {
  certificate: 'c.pem',
  'private-key': 'k.pem',
  'trust-anchor-arn': 'ta',
  'profile-arn': 'pa',
  'role-arn': 'ra',
};

describe('resolveCredentialProcess', () => {
  it('maps flags and environment to key source and session options', () => {
    const c = resolveCredentialProcess(
      { ...base, 'session-duration': '1800', region: 'eu-west-1', endpoint: 'https://x', 'no-verify-ssl': true, 'with-proxy': true, timeout: '3', debug: true },
      io({ AWS_CA_BUNDLE: '/ca.pem', AWS_USE_FIPS_ENDPOINT: 'true' }, { '/ca.pem': 'PEM' }),
    );
    expect(c.keySource).toMatchObject({ certificate: 'c.pem', privateKey: 'k.pem', intermediates: undefined, pkcs8Password: undefined });
    expect(c.session).toMatchObject({
      trustAnchorArn: 'ta',
      profileArn: 'pa',
      roleArn: 'ra',
      durationSeconds: 1800,
      region: 'eu-west-1',
      endpoint: 'https://x',
      verifyTls: false,
      caBundle: 'PEM',
      timeoutMs: 3000,
      useFipsEndpoint: true,
    });
    // Proxy variables are honoured with or without --with-proxy (withProxy left to its default: on).
    expect(c.session.withProxy).toBeUndefined();
    expect(c.debug).toBe(true);
  });

  it('defaults: 3600 s, verify TLS, proxies honoured, no FIPS', () => {
    const c = resolveCredentialProcess(base, io());
    expect(c.session).toMatchObject({ durationSeconds: 3600, verifyTls: true, useFipsEndpoint: false, caBundle: undefined });
    expect(c.session.withProxy).toBeUndefined();
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_ROLESANYWHERE / AWS_ENDPOINT_URL when --endpoint is absent; warns about plain http off loopback', () => {
    const a = io({ AWS_ENDPOINT_URL: 'https://global.example', AWS_ENDPOINT_URL_ROLESANYWHERE: 'https://ra.example' });
    expect(resolveCredentialProcess(base, a).session.endpoint).toBe('https://ra.example');
    expect(resolveCredentialProcess({ ...base, endpoint: 'https://flag.example' }, a).session.endpoint).toBe('https://flag.example');
    expect(resolveCredentialProcess(base, io({ AWS_ENDPOINT_URL: 'https://global.example' })).session.endpoint).toBe('https://global.example');
    const w = io({ AWS_ENDPOINT_URL: 'http://ra.example:8080' });
    expect(resolveCredentialProcess(base, w).session.endpoint).toBe('http://ra.example:8080');
    expect(w.warnings).toEqual([
      'rapki: warning: endpoint http://ra.example:8080 is plain http: the signed request and the credentials it returns cross the network unencrypted; use https',
    ]);
    const quiet = io();
    resolveCredentialProcess({ ...base, endpoint: 'http://127.0.0.1:9' }, quiet);
    expect(quiet.warnings).toEqual([]);
  });

  it('accepts the TPM flags next to a file key; notes them under --debug only', () => {
    const quiet = io();
    resolveCredentialProcess({ ...base, 'tpm-key-password': 'pw', 'no-tpm-key-password': true }, quiet);
    expect(quiet.warnings).toEqual([]);
    const loud = io();
    resolveCredentialProcess({ ...base, 'tpm-key-password': 'pw', 'use-latest-expiring-certificate': true, debug: true }, loud);
    expect(loud.warnings).toEqual([
      'rapki: debug: --use-latest-expiring-certificate is ignored: it picks among OS certificate-store matches of --cert-selector, which rapki does not read',
      'rapki: debug: --tpm-key-password is ignored: the key is not a TPM 2.0 key',
    ]);
  });

  it('reports missing required flags and malformed numbers', () => {
    expect(() => resolveCredentialProcess({ ...base, 'role-arn': '' }, io())).toThrow(expect.objectContaining({ code: 'flag_missing' }));
    expect(() => resolveCredentialProcess({ ...base, timeout: '0' }, io())).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    expect(() => resolveCredentialProcess(base, io({ AWS_CA_BUNDLE: '/missing' }))).toThrow(expect.objectContaining({ code: 'ca_bundle_unreadable' }));
  });
});

describe('resolvePassword', () => {
  it('flag (with a ps warning), then file (first line), then RAPKI_PKCS8_PASSWORD', () => {
    const a = io({ RAPKI_PKCS8_PASSWORD: 'env' }, { '/pw': 'filepw\r\nsecond line' });
    expect(resolvePassword({ 'pkcs8-password': 'inline' }, a)).toBe('inline');
    expect(a.warnings[0]).toMatch(/visible.*--pkcs8-password-file/);
    expect(a.warnings[0]).not.toContain('inline');
    expect(resolvePassword({ 'pkcs8-password-file': '/pw' }, a)).toBe('filepw');
    expect(resolvePassword({}, a)).toBe('env');
    expect(resolvePassword({}, io())).toBeUndefined();
    expect(() => resolvePassword({ 'pkcs8-password': 'a', 'pkcs8-password-file': '/pw' }, a)).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    expect(() => resolvePassword({ 'pkcs8-password-file': '/none' }, a)).toThrow(expect.objectContaining({ code: 'password_file_unreadable' }));
  });
});

describe('resolveTpmKeyPassword', () => {
  it('flag (with a ps warning), then file (first line), then RAPKI_TPM_KEY_PASSWORD; none with --no-tpm-key-password', () => {
    const a = io({ RAPKI_TPM_KEY_PASSWORD: 'env' }, { '/pw': 'from file \nsecond line' });
    expect(resolveTpmKeyPassword({ 'tpm-key-password': 'flag' }, a)).toBe('flag');
    expect(a.warnings).toEqual([
      'rapki: warning: --tpm-key-password is visible to other users in the process list; use --tpm-key-password-file FILE or the RAPKI_TPM_KEY_PASSWORD environment variable',
    ]);
    expect(resolveTpmKeyPassword({ 'tpm-key-password-file': '/pw' }, a)).toBe('from file ');
    expect(resolveTpmKeyPassword({}, a)).toBe('env');
    expect(resolveTpmKeyPassword({ 'no-tpm-key-password': true }, a)).toBeUndefined();
    expect(resolveTpmKeyPassword({}, io())).toBeUndefined();
  });

  it('refuses two sources on the command line, a password with --no-tpm-key-password, and an unreadable file', () => {
    expect(() => resolveTpmKeyPassword({ 'tpm-key-password': 'a', 'tpm-key-password-file': '/pw' }, io())).toThrow(
      expect.objectContaining({ code: 'flag_value_invalid' }),
    );
    expect(() => resolveTpmKeyPassword({ 'tpm-key-password': 'a', 'no-tpm-key-password': true }, io())).toThrow(
      expect.objectContaining({ code: 'flag_value_invalid' }),
    );
    expect(() => resolveTpmKeyPassword({ 'tpm-key-password-file': '/missing' }, io())).toThrow(expect.objectContaining({ code: 'password_file_unreadable' }));
  });

  it('reaches the key source of credential-process', () => {
    const c = resolveCredentialProcess({ ...base, 'private-key': 'handle:0x81000001', 'no-tpm-key-password': true }, io());
    expect(c.keySource).toMatchObject({ privateKey: 'handle:0x81000001', noTpmKeyPassword: true, tpmKeyPassword: undefined });
    expect(() => resolveCredentialProcess({ ...base, certificate: 'handle:0x81000001' }, io())).toThrow(
      expect.objectContaining({ code: 'flag_value_invalid' }),
    );
  });
});
