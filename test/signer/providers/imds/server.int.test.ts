import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { startCredentialServer, roleNameFromArn, type CredentialServer } from '../../../../signer/src/providers/imds/server.js';
import { RefreshingCredentialSource } from '../../../../signer/src/providers/refreshing-source.js';
import type { RolesAnywhereCredentials } from '../../../../signer/src/types.js';
import { RapkiError } from '../../../../common/src/errors.js';
import { call } from './http.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/team/Deployer';
const TOKEN_PATH = '/latest/api/token';
const LIST_PATH = '/latest/meta-data/iam/security-credentials/';

function creds(n: number, expiresAt: number): RolesAnywhereCredentials {
  return {
    accessKeyId: `ASIAFAKE${String(n).padStart(12, '0')}`,
    secretAccessKey: `secret-${n}`,
    sessionToken: `token-${n}`,
    expiration: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** A clock tests can move. */
function clock(start = Date.UTC(2026, 0, 1, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('startCredentialServer (IMDSv2 routes)', () => {
  const c = clock();
  let fetches = 0;
  let fail = false;
  const source = new RefreshingCredentialSource({
    fetch: async () => {
      fetches++;
      if (fail) throw new RapkiError('network_error', 'endpoint down');
      return creds(fetches, c.now() + 3600_000);
    },
    refreshBeforeMs: 10 * 60_000,
    retryBaseMs: 0,
    proactive: false,
    now: c.now,
  });
  let server: CredentialServer;
  let base: string;

  beforeAll(async () => {
    await source.start();
    server = await startCredentialServer({
      source,
      lastUpdated: () => source.lastUpdated,
      roleName: roleNameFromArn(ROLE_ARN),
      port: 0,
      now: c.now,
    });
    base = server.url.slice(0, -1);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    fail = false;
  });

  async function token(ttl = '21600'): Promise<string> {
    const r = await call(base + TOKEN_PATH, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': ttl });
    expect(r.status).toBe(200);
    return r.body;
  }

  it('prints an endpoint URL with a trailing slash on loopback', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.hopLimit).toBe(64);
  });

  it('issues a 100-character token and echoes the TTL header', async () => {
    const r = await call(base + TOKEN_PATH, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '300' });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(100);
    expect(r.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('300');
    const r2 = await call(base + TOKEN_PATH + '/', 'PUT');
    expect(r2.status).toBe(200);
    expect(r2.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    expect(r2.body).not.toBe(r.body);
  });

  it.each(['0', '21601', '-1', 'abc', '1.5', ''])('refuses TTL %j with 400', async (ttl) => {
    const r = await call(base + TOKEN_PATH, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': ttl });
    expect(r.status).toBe(400);
    expect(r.body).toBe('invalid token TTL\n');
  });

  it('accepts the TTL bounds 1 and 21600', async () => {
    await token('1');
    await token('21600');
  });

  it('refuses X-Forwarded-For on the token PUT and on GETs', async () => {
    const r = await call(base + TOKEN_PATH, 'PUT', { 'X-Forwarded-For': '10.0.0.1' });
    expect(r.status).toBe(400);
    expect(r.body).toContain('X-Forwarded-For');
    const t = await token();
    const g = await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': t, 'X-Forwarded-For': '10.0.0.1' });
    expect(g.status).toBe(400);
  });

  it('answers 401 without a token and with an unknown token', async () => {
    const none = await call(base + LIST_PATH, 'GET');
    expect(none.status).toBe(401);
    expect(none.body).toBe('no token provided\n');
    const bad = await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': 'x'.repeat(100) });
    expect(bad.status).toBe(401);
    expect(bad.body).toBe('invalid token provided\n');
    const huge = await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': 'x'.repeat(5000) });
    expect(huge.status).toBe(401);
  });

  it('expires tokens after their TTL', async () => {
    const t = await token('2');
    expect((await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': t })).status).toBe(200);
    c.advance(2_000);
    const r = await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': t });
    expect(r.status).toBe(401);
    expect(r.body).toBe('invalid token provided\n');
  });

  it('keeps at most 256 live tokens: refuses more with 429 (no eviction: nobody is logged out), until one expires', async () => {
    c.advance(7 * 3600_000); // earlier tests' tokens have expired
    const first = await token('60'); // expires before every later one
    const others: string[] = [];
    for (let i = 0; i < 255; i++) others.push(await token('21600'));
    expect(server.tokens.size).toBe(256);
    const refused = await call(base + TOKEN_PATH, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' });
    expect(refused.status).toBe(429);
    expect(refused.body).toBe('too many live tokens; retry after one expires\n');
    expect(refused.headers['retry-after']).toBe('60');
    // Every issued token still works: the cap did not evict anyone.
    expect((await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': first })).status).toBe(200);
    expect((await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': others[254]! })).status).toBe(200);
    c.advance(60_000); // `first` expires by its TTL: room for one
    expect((await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': first })).status).toBe(401);
    await token('1');
    expect((await call(base + TOKEN_PATH, 'PUT')).status).toBe(429);
    c.advance(6 * 3600_000 + 1000); // all expire: later tests start empty
  });

  it('answers 405 for a wrong method and 404 for unknown paths', async () => {
    expect((await call(base + TOKEN_PATH, 'GET')).status).toBe(405);
    expect((await call(base + LIST_PATH, 'PUT')).status).toBe(405);
    expect((await call(base + LIST_PATH + 'Deployer', 'POST')).status).toBe(405);
    expect((await call(base + '/latest/meta-data/iam/info', 'GET')).status).toBe(404);
    const t = await token();
    // Another name under the path lists the role, as the official helper's ServeMux does.
    const other = await call(base + LIST_PATH + 'OtherRole', 'GET', { 'X-aws-ec2-metadata-token': t });
    expect([other.status, other.body]).toEqual([200, 'Deployer']);
  });

  it('refuses requests whose Host does not name the endpoint (DNS rebinding), before anything else', async () => {
    const port = String(server.port);
    const evil = { Host: `evil.example:${port}` };
    const put = await call(base + TOKEN_PATH, 'PUT', evil);
    expect([put.status, put.body]).toEqual([403, 'forbidden: the Host header does not name this endpoint\n']);
    const t = await token();
    for (const path of [LIST_PATH, `${LIST_PATH}Deployer`]) {
      expect((await call(base + path, 'GET', { ...evil, 'X-aws-ec2-metadata-token': t })).status).toBe(403);
      expect((await call(base + path, 'GET', { Host: `127.0.0.1:${Number(port) + 1}`, 'X-aws-ec2-metadata-token': t })).status).toBe(403);
      expect((await call(base + path, 'GET', { Host: `localhost:${port}`, 'X-aws-ec2-metadata-token': t })).status).toBe(200);
      expect((await call(base + path, 'GET', { Host: `LOCALHOST:${port}`, 'X-aws-ec2-metadata-token': t })).status).toBe(200);
    }
  });

  it('lists the role name and serves the document with exactly the IMDS keys (botocore format)', async () => {
    const t = await token();
    const list = await call(base + LIST_PATH.slice(0, -1), 'GET', { 'X-aws-ec2-metadata-token': t });
    expect(list.status).toBe(200);
    expect(list.body).toBe('Deployer');
    // The token's remaining seconds, as the official helper sends them on the listing.
    expect(list.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    c.advance(1500);
    const later = await call(base + LIST_PATH, 'GET', { 'X-aws-ec2-metadata-token': t });
    expect(later.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21598');
    const doc = await call(base + LIST_PATH + 'Deployer/', 'GET', { 'X-aws-ec2-metadata-token': t });
    expect(doc.status).toBe(200);
    const parsed = JSON.parse(doc.body) as Record<string, string>;
    // The official helper's field order (its Go struct).
    expect(Object.keys(parsed)).toEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Code', 'Type', 'Expiration', 'LastUpdated']);
    expect(parsed.Code).toBe('Success');
    expect(parsed.Type).toBe('AWS-HMAC');
    expect(parsed.LastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(parsed.Expiration).toBe(source.current!.expiration);
    expect(parsed.AccessKeyId).toBe(source.current!.accessKeyId);
    expect(parsed.Token).toBe(source.current!.sessionToken);
  });

  it('refreshes when fewer than 10 minutes remain, and keeps last-good credentials when that fails', async () => {
    const t = await token();
    const get = async () => JSON.parse((await call(base + LIST_PATH + 'Deployer', 'GET', { 'X-aws-ec2-metadata-token': t })).body) as Record<string, string>;
    const before = await get();
    const n = fetches;
    c.advance(49 * 60_000); // 11 min left: no refresh
    expect((await get()).AccessKeyId).toBe(before.AccessKeyId);
    expect(fetches).toBe(n);
    c.advance(2 * 60_000); // 9 min left: refresh
    const after = await get();
    expect(fetches).toBe(n + 1);
    expect(after.AccessKeyId).not.toBe(before.AccessKeyId);
    c.advance(55 * 60_000); // 5 min left of the new ones, and the endpoint is down
    fail = true;
    const kept = await get();
    expect(fetches).toBe(n + 2);
    expect(kept.AccessKeyId).toBe(after.AccessKeyId);
  });

  it('answers 500 with a clear message, not an empty Success, when no valid credentials remain', async () => {
    fail = true;
    c.advance(3 * 3600_000); // everything expired
    const t = await token();
    const r = await call(base + LIST_PATH + 'Deployer', 'GET', { 'X-aws-ec2-metadata-token': t });
    expect(r.status).toBe(500);
    expect(r.body).toContain('credentials unavailable: network_error: endpoint down');
    expect(r.body).not.toContain('Success');
    fail = false;
    expect((await call(base + LIST_PATH + 'Deployer', 'GET', { 'X-aws-ec2-metadata-token': t })).status).toBe(200);
  });
});

describe('startCredentialServer with AWS SDK clients', () => {
  let server: CredentialServer;
  let fetches = 0;
  const authToken = 'container-token-0123456789abcdef';
  beforeAll(async () => {
    const source = new RefreshingCredentialSource({
      fetch: async () => creds(++fetches, Date.now() + 3600_000),
      refreshBeforeMs: 10 * 60_000,
      proactive: false,
    });
    await source.start();
    server = await startCredentialServer({
      source,
      lastUpdated: () => source.lastUpdated,
      roleName: 'Deployer',
      port: 0,
      container: { authorizationToken: authToken },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves @smithy/credential-provider-imds fromInstanceMetadata (IMDSv2, AWS_EC2_METADATA_SERVICE_ENDPOINT)', async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = server.url;
    process.env.AWS_EC2_METADATA_V1_DISABLED = 'true';
    try {
      const got = await fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })();
      expect(got.accessKeyId).toBe('ASIAFAKE000000000001');
      expect(got.secretAccessKey).toBe('secret-1');
      expect(got.sessionToken).toBe('token-1');
      expect(got.expiration?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      delete process.env.AWS_EC2_METADATA_V1_DISABLED;
    }
  });

  it('serves the container format to @aws-sdk/credential-provider-http fromHttp', async () => {
    expect(server.containerUrl).toBe(`${server.url}credentials`);
    const got = await fromHttp({
      awsContainerCredentialsFullUri: server.containerUrl!,
      awsContainerAuthorizationToken: authToken,
      maxRetries: 0,
      timeout: 2000,
    })();
    expect(got.accessKeyId).toBe('ASIAFAKE000000000001');
    expect(got.sessionToken).toBe('token-1');
    const raw = await call(server.containerUrl!, 'GET', { Authorization: authToken });
    expect(Object.keys(JSON.parse(raw.body))).toEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
  });

  it('refuses the container route without the right Authorization token', async () => {
    const none = await call(server.containerUrl!, 'GET');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toEqual({ Code: 'Unauthorized', Message: expect.any(String) });
    const wrong = await call(server.containerUrl!, 'GET', { Authorization: `${authToken}x` });
    expect(wrong.status).toBe(401);
  });

  it('refuses the container route for a Host that does not name the endpoint, with the token (DNS rebinding)', async () => {
    const r = await call(server.containerUrl!, 'GET', { Authorization: authToken, Host: `rebind.example:${server.port}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ Code: 'Forbidden', Message: 'forbidden: the Host header does not name this endpoint' });
  });
});

describe('startCredentialServer options', () => {
  const source = { get: async () => creds(1, Date.now() + 3600_000) };
  it('refuses a non-loopback address unless allowed', async () => {
    await expect(startCredentialServer({ source, roleName: 'R', address: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'non_loopback_address',
    });
    const s = await startCredentialServer({ source, roleName: 'R', address: '0.0.0.0', port: 0, allowNonLoopback: true });
    await s.close();
  });
  it('validates hop limit, port and the container token', async () => {
    await expect(startCredentialServer({ source, roleName: 'R', port: 0, hopLimit: 0 })).rejects.toMatchObject({ code: 'listen_invalid' });
    await expect(startCredentialServer({ source, roleName: 'R', port: 0, hopLimit: 256 })).rejects.toMatchObject({ code: 'listen_invalid' });
    await expect(startCredentialServer({ source, roleName: 'R', port: 70000 })).rejects.toMatchObject({ code: 'listen_invalid' });
    await expect(startCredentialServer({ source, roleName: 'R', port: 0, container: { authorizationToken: 'short' } })).rejects.toMatchObject({
      code: 'invalid_auth_token',
    });
  });
  it('reports a port in use as listen_failed', async () => {
    const a = await startCredentialServer({ source, roleName: 'R', port: 0 });
    await expect(startCredentialServer({ source, roleName: 'R', port: a.port })).rejects.toMatchObject({ code: 'listen_failed' });
    await a.close();
  });
  it('takes the role name from the last segment of the role ARN', () => {
    expect(roleNameFromArn('arn:aws:iam::123456789012:role/a/b/Name')).toBe('Name');
    expect(roleNameFromArn('arn:aws-us-gov:iam::123456789012:role/Name')).toBe('Name');
    expect(() => roleNameFromArn('arn:aws:iam::123456789012:user/Name')).toThrow(/invalid role ARN/);
  });
});
