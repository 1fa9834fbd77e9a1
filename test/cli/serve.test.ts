/**
 * `rapki serve` end to end: the built CLI as a long-running child process against the loopback
 * CreateSession verifier; the AWS SDK's own IMDS and container providers as clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { genKey, issueCert } from '../support/openssl.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../support/loopback-verifier.js';
import { RAPKI_BIN, REPO_ROOT, assertBuilt, runCli } from '../support/cli.js';
import { call } from '../signer/providers/imds/http.js';

const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a';
const PROFILE = 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b';
const ROLE = 'arn:aws:iam::123456789012:role/ops/Deployer';

/** botocore, when installed (not a dependency: these tests are skipped without it). */
const HAS_BOTOCORE = spawnSync('python3', ['-c', 'import botocore'], { stdio: 'ignore' }).status === 0;
const BOTOCORE_CREDENTIALS =
  'import json, botocore.session\n' +
  'c = botocore.session.Session().get_credentials()\n' +
  'f = c.get_frozen_credentials()\n' +
  'print(json.dumps({"method": c.method, "access_key": f.access_key, "token": f.token}))';

/** Resolves credentials with botocore's default chain in a clean environment plus `env`. */
async function botocoreCredentials(home: string, env: Record<string, string>): Promise<{ method: string; access_key: string; token: string }> {
  const { stdout } = await promisify(execFile)('python3', ['-c', BOTOCORE_CREDENTIALS], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
      AWS_METADATA_SERVICE_TIMEOUT: '5',
      AWS_METADATA_SERVICE_NUM_ATTEMPTS: '1',
      ...env,
    },
    timeout: 20_000,
  });
  return JSON.parse(stdout) as { method: string; access_key: string; token: string };
}

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `rapki serve …`; resolves once it printed the endpoint (or rejects with its stderr if it exits). */
function startServe(args: string[], env: Record<string, string>): Promise<Served> {
  assertBuilt();
  const child = spawn(process.execPath, [RAPKI_BIN, 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 15_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /export AWS_EC2_METADATA_SERVICE_ENDPOINT=(\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited ${code}: ${err}`), { code, stderr: err }));
    });
  });
}

describe('rapki serve', () => {
  let dir: string;
  let verifier: LoopbackVerifier;
  let root: { cert: string; key: string };
  let key: string;
  let cert: string;
  let served: Served;
  const children: ChildProcess[] = [];

  const flags = (...extra: string[]) => [
    '--certificate', cert, '--private-key', key, '--trust-anchor-arn', TA, '--profile-arn', PROFILE, '--role-arn', ROLE,
    '--endpoint', verifier.url, '--port', '0', ...extra,
  ];
  const env = () => ({ AWS_CA_BUNDLE: verifier.caFile, HOME: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-serve-cli-'));
    const rootKey = await genKey(dir, 'root.key', 'ec:P-256');
    root = { cert: await issueCert(dir, 'root', rootKey, { profile: 'ca', days: 30 }), key: rootKey };
    key = await genKey(dir, 'leaf.key', 'ec:P-256');
    cert = await issueCert(dir, 'leaf', key, { issuer: root, serialHex: '0b01' });
    verifier = await startLoopbackVerifier({ trustedRootsPem: readFileSync(root.cert, 'utf8') });
    served = await startServe(flags(), env());
    children.push(served.child);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await verifier.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the endpoint for AWS_EC2_METADATA_SERVICE_ENDPOINT (loopback, trailing slash) after one CreateSession', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(verifier.requests).toHaveLength(1);
    expect(verifier.requests[0]!.verdict).toBe('ok');
  });

  it('serves the AWS SDK v3 IMDS provider (IMDSv2 token flow)', async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = served.url;
    process.env.AWS_EC2_METADATA_V1_DISABLED = 'true';
    try {
      const c = await fromInstanceMetadata({ timeout: 3000, maxRetries: 0 })();
      expect(c.accessKeyId).toMatch(/^ASIALOOPBACK/);
      expect(c.sessionToken).toMatch(/^loopbackToken/);
      expect(c.expiration!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      delete process.env.AWS_EC2_METADATA_V1_DISABLED;
    }
    expect(verifier.requests).toHaveLength(1); // served from memory
  });

  it('answers in botocore’s documented format and applies the token rules', async () => {
    const base = served.url.slice(0, -1);
    expect((await call(`${base}/latest/api/token`, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '21601' })).status).toBe(400);
    expect((await call(`${base}/latest/api/token`, 'PUT', { 'X-Forwarded-For': '1.2.3.4' })).status).toBe(400);
    expect((await call(`${base}/latest/meta-data/iam/security-credentials/`, 'GET')).status).toBe(401);
    const token = (await call(`${base}/latest/api/token`, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '60' })).body;
    const role = await call(`${base}/latest/meta-data/iam/security-credentials/`, 'GET', { 'X-aws-ec2-metadata-token': token });
    expect(role.body).toBe('Deployer');
    const doc = await call(`${base}/latest/meta-data/iam/security-credentials/Deployer`, 'GET', { 'X-aws-ec2-metadata-token': token });
    const body = JSON.parse(doc.body) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
    expect(body.Code).toBe('Success');
  });

  it.skipIf(!HAS_BOTOCORE)('serves botocore’s InstanceMetadataProvider (the AWS CLI and boto3 chain)', async () => {
    const c = await botocoreCredentials(dir, { AWS_EC2_METADATA_SERVICE_ENDPOINT: served.url });
    expect(c.method).toBe('iam-role');
    expect(c.access_key).toMatch(/^ASIALOOPBACK/);
    expect(c.token).toMatch(/^loopbackToken/);
  });

  it('exits 1 with the coded error when the first CreateSession fails', async () => {
    verifier.failNext(1, 403, 'AccessDeniedException', 'Untrusted Signing Certificate');
    const err = await startServe(flags(), env()).then(
      (s) => {
        children.push(s.child);
        throw new Error('serve started');
      },
      (e: { code: number; stderr: string }) => e,
    );
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('rapki: untrusted_certificate:');
    expect(err.stderr).not.toContain('export AWS_EC2_METADATA_SERVICE_ENDPOINT');
  });

  it('refuses a non-loopback address without --allow-non-loopback, before any CreateSession', async () => {
    const n = verifier.requests.length;
    const r = await runCli(['serve', ...flags('--address', '0.0.0.0')], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rapki: non_loopback_address:');
    expect(verifier.requests).toHaveLength(n);
  });

  it('warns loudly when --allow-non-loopback widens exposure', async () => {
    const s = await startServe(flags('--address', '0.0.0.0', '--allow-non-loopback'), env());
    children.push(s.child);
    expect(s.stderr()).toMatch(/WARNING: serving AWS credentials on non-loopback address 0\.0\.0\.0/);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('refreshes before expiry and picks up a renewed certificate file', async () => {
    // First answer: credentials that expire in 9 minutes, inside serve's 10-minute refresh window.
    const soon = new Date(Date.now() + 9 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    verifier.script({
      kind: 'raw',
      status: 201,
      body: JSON.stringify({
        credentialSet: [{ credentials: { accessKeyId: 'ASIASHORTLIVED000001', secretAccessKey: 'short', sessionToken: 'short', expiration: soon }, roleArn: ROLE }],
      }),
    });
    const s = await startServe(flags(), env());
    children.push(s.child);
    const n = verifier.requests.length;
    cert = await issueCert(dir, 'leaf', key, { issuer: root, serialHex: '0b02' }); // renewed in place
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = s.url;
    try {
      const c = await fromInstanceMetadata({ timeout: 5000, maxRetries: 0 })();
      expect(c.accessKeyId).toMatch(/^ASIALOOPBACK/); // refreshed, not the short-lived one
      expect(c.secretAccessKey).toContain(`/${BigInt('0x0b02').toString()}`); // signed with the renewed certificate
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    }
    expect(verifier.requests).toHaveLength(n + 1);
    expect(verifier.requests[n]!.verdict).toBe('ok');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('serves the container format with --container and an auth token file', async () => {
    const tokenFile = join(dir, 'container-token');
    const s = await startServe(flags('--container', '--auth-token-file', tokenFile), env());
    children.push(s.child);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const uri = /export AWS_CONTAINER_CREDENTIALS_FULL_URI=(\S+)/.exec(s.stderr())![1]!;
    expect(s.stderr()).toContain(`export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${tokenFile}`);
    const c = await fromHttp({
      awsContainerCredentialsFullUri: uri,
      awsContainerAuthorizationTokenFile: tokenFile,
      maxRetries: 0,
      timeout: 3000,
    })();
    expect(c.accessKeyId).toMatch(/^ASIALOOPBACK/);
    expect((await call(uri, 'GET', { Authorization: 'wrong-token-wrong-token' })).status).toBe(401);
    if (HAS_BOTOCORE) {
      const b = await botocoreCredentials(dir, { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile });
      expect(b.method).toBe('container-role');
      expect(b.access_key).toMatch(/^ASIALOOPBACK/);
    }
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
