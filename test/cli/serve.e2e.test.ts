/**
 * `rapki serve` end to end: the built CLI as a long-running child process against the loopback
 * CreateSession verifier; the AWS SDK's own IMDS and container providers as clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromInstanceMetadata } from '@smithy/credential-provider-imds';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { genKey, issueCert } from '../support/openssl.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../support/loopback-verifier.js';
import { RAPKI_BIN, REPO_ROOT, assertBuilt, runCli } from '../support/cli.js';
import { call } from '../signer/providers/imds/http.js';
import { signerArgs } from '../support/signer-args.js';

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
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr matches `re` (rejects after `ms`, with the stderr so far). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
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
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (re: RegExp, ms = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (re.test(err)) return resolve();
      const timer = setTimeout(() => {
        child.stderr!.off('data', on);
        reject(new Error(`timed out waiting for ${re} in:\n${err}`));
      }, ms);
      const on = (): void => {
        if (!re.test(err)) return;
        clearTimeout(timer);
        child.stderr!.off('data', on);
        resolve();
      };
      child.stderr!.on('data', on);
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 15_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /export AWS_EC2_METADATA_SERVICE_ENDPOINT=(\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err, exited, waitFor });
      }
    });
    void exited.then(({ code }) => {
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

  const flags = (...extra: string[]) => signerArgs({ certificate: cert, privateKey: key, roleArn: ROLE, endpoint: verifier.url }, '--port', '0', ...extra);
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

  it('prints the official helper\'s lines (scripts wait for "Local server started on port") after one CreateSession', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = /:(\d+)\/$/.exec(served.url)![1];
    expect(served.stderr()).toContain(
      `Local server started on port: ${port}\nMake it available to the sdk by running:\nexport AWS_EC2_METADATA_SERVICE_ENDPOINT=${served.url}\n`,
    );
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
    expect(role.headers['x-aws-ec2-metadata-token-ttl-seconds']).toMatch(/^(59|60)$/);
    const other = await call(`${base}/latest/meta-data/iam/security-credentials/SomeOtherRole`, 'GET', { 'X-aws-ec2-metadata-token': token });
    expect([other.status, other.body]).toEqual([200, 'Deployer']); // as the helper's ServeMux answers
    const doc = await call(`${base}/latest/meta-data/iam/security-credentials/Deployer`, 'GET', { 'X-aws-ec2-metadata-token': token });
    const body = JSON.parse(doc.body) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Code', 'Type', 'Expiration', 'LastUpdated']);
    expect(body.Code).toBe('Success');
  });

  it('serves only requests whose Host names the endpoint (DNS rebinding): 403 for a foreign name, also on the container route', async () => {
    const tokenFile = join(dir, 'rebind-token');
    const s = await startServe(flags('--container', '--auth-token-file', tokenFile), env());
    children.push(s.child);
    const base = s.url.slice(0, -1);
    const port = /:(\d+)\/$/.exec(s.url)![1];
    const evil = { Host: `evil.example:${port}` };
    const put = await call(`${base}/latest/api/token`, 'PUT', { ...evil, 'X-aws-ec2-metadata-token-ttl-seconds': '60' });
    expect(put.status).toBe(403);
    const token = (await call(`${base}/latest/api/token`, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '60' })).body;
    const creds = `${base}/latest/meta-data/iam/security-credentials/Deployer`;
    expect((await call(creds, 'GET', { ...evil, 'X-aws-ec2-metadata-token': token })).status).toBe(403);
    expect((await call(creds, 'GET', { Host: `localhost:${port}`, 'X-aws-ec2-metadata-token': token })).status).toBe(200);
    const uri = /export AWS_CONTAINER_CREDENTIALS_FULL_URI=(\S+)/.exec(s.stderr())![1]!;
    const auth = readFileSync(tokenFile, 'utf8');
    expect((await call(uri, 'GET', { ...evil, Authorization: auth })).status).toBe(403);
    expect((await call(uri, 'GET', { Authorization: auth })).status).toBe(200);
    expect(s.stderr()).toMatch(/refused a request whose Host header does not name this endpoint/);
    s.child.kill('SIGTERM');
    await s.exited;
    // A name the operator lists (a service name in front of the endpoint) is answered.
    const named = await startServe(flags('--allow-host', 'creds.svc.test'), env());
    children.push(named.child);
    const nport = /:(\d+)\/$/.exec(named.url)![1];
    const nbase = named.url.slice(0, -1);
    expect((await call(`${nbase}/latest/api/token`, 'PUT', { Host: `creds.svc.test:${nport}` })).status).toBe(200);
    expect((await call(`${nbase}/latest/api/token`, 'PUT', { Host: `other.svc.test:${nport}` })).status).toBe(403);
    named.child.kill('SIGTERM');
    await named.exited;
  });

  it('refuses a 257th live IMDS token with 429 instead of logging another client out', async () => {
    const s = await startServe(flags(), env()); // its own instance: this fills the token store
    children.push(s.child);
    const base = s.url.slice(0, -1);
    const first = (await call(`${base}/latest/api/token`, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '300' })).body;
    const list = `${base}/latest/meta-data/iam/security-credentials/`;
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 300 && !refused; i++) {
      const r = await call(`${base}/latest/api/token`, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' });
      if (r.status !== 200) refused = r;
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(list, 'GET', { 'X-aws-ec2-metadata-token': first })).status).toBe(200);
    s.child.kill('SIGTERM');
    await s.exited;
  });

  it.skipIf(!HAS_BOTOCORE)('serves botocore’s InstanceMetadataProvider (the AWS CLI and boto3 chain)', async () => {
    const c = await botocoreCredentials(dir, { AWS_EC2_METADATA_SERVICE_ENDPOINT: served.url });
    expect(c.method).toBe('iam-role');
    expect(c.access_key).toMatch(/^ASIALOOPBACK/);
    expect(c.token).toMatch(/^loopbackToken/);
  });

  it('keeps running when CreateSession fails at boot: IMDS-style 500 meanwhile, one log line per attempt, then serves', async () => {
    verifier.reset();
    verifier.failNext(10_000, 503, 'ServiceUnavailableException', 'not up yet');
    const s = await startServe(flags(), env());
    children.push(s.child);
    expect(s.stderr()).toMatch(/Local server started on port: \d+/);
    const base = s.url.slice(0, -1);
    const token = (await call(`${base}/latest/api/token`, 'PUT', { 'X-aws-ec2-metadata-token-ttl-seconds': '600' })).body;
    const creds = `${base}/latest/meta-data/iam/security-credentials/Deployer`;
    const down = await call(creds, 'GET', { 'X-aws-ec2-metadata-token': token });
    expect(down.status).toBe(500);
    expect(down.body).toMatch(/^credentials unavailable: service_error: /);
    await s.waitFor(/retrying in[^\n]*\n[\s\S]*retrying in/); // a second failed attempt, after the first backoff step
    verifier.reset(); // the endpoint comes up
    await s.waitFor(/credentials obtained/);
    const up = await call(creds, 'GET', { 'X-aws-ec2-metadata-token': token });
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body).AccessKeyId).toMatch(/^ASIALOOPBACK/);
    const failures =
      s
        .stderr()
        .match(/rapki serve: CreateSession failed: service_error: [^\n]*no credentials to serve yet: SDKs get HTTP 500; retrying in \d+(\.\d)? s\)\n/g) ?? [];
    expect(failures.length).toBeGreaterThanOrEqual(2);
    // Exactly one line per failed CreateSession (each made of 3 attempts at the endpoint), nothing printed twice.
    const attempts = s.stderr().match(/^rapki serve: CreateSession failed/gm)!.length;
    expect(attempts).toBe(failures.length);
    expect(s.stderr()).not.toMatch(/^rapki: service_error/m);
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('prints a start-up error once and exits 1 (port in use)', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = String((busy.address() as { port: number }).port);
      const r = await runCli(['serve', ...flags().slice(0, -2), '--port', port], { env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^rapki: listen_failed: failed to create listener on 127\\.0\\.0\\.1:${port}: EADDRINUSE\\n$`));
    } finally {
      busy.close();
    }
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
    expect(await s.exited).toEqual({ code: null, signal: 'SIGTERM' }); // ended by the signal, as the official helper
  });

  it('uses certificate and key files renewed on disk at once, without a restart', async () => {
    const s = await startServe(flags(), env());
    children.push(s.child);
    await s.waitFor(/credentials obtained/);
    const base = s.url.slice(0, -1);
    const token = (await call(`${base}/latest/api/token`, 'PUT')).body;
    const get = async () =>
      JSON.parse((await call(`${base}/latest/meta-data/iam/security-credentials/Deployer`, 'GET', { 'X-aws-ec2-metadata-token': token })).body) as {
        SecretAccessKey: string;
      };
    expect((await get()).SecretAccessKey).toContain(`/${BigInt('0x0b01')}`);
    // A renewal as `rapki agent` does it: new key and certificate written aside, then renamed over.
    const newKey = await genKey(dir, 'renewed.key', 'ec:P-256');
    const newCert = await issueCert(dir, 'renewed', newKey, { issuer: root, serialHex: '0b77' });
    renameSync(newKey, key);
    renameSync(newCert, cert);
    await s.waitFor(/the certificate or key files changed; getting credentials with them\n[\s\S]*credentials obtained/);
    expect((await get()).SecretAccessKey).toContain(`/${BigInt('0x0b77')}`);
    expect(verifier.requests.at(-1)!.verdict).toBe('ok');
    s.child.kill('SIGTERM');
    await s.exited;
  });

  it('refreshes credentials that arrive inside the refresh window', async () => {
    // First answer: credentials that expire in 9 minutes, inside serve's 10-minute refresh window.
    const soon = new Date(Date.now() + 9 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    verifier.script({
      kind: 'raw',
      status: 201,
      body: JSON.stringify({
        credentialSet: [
          { credentials: { accessKeyId: 'ASIASHORTLIVED000001', secretAccessKey: 'short', sessionToken: 'short', expiration: soon }, roleArn: ROLE },
        ],
      }),
    });
    // Counted before the start: serve fetches at boot and may refresh before or on the first
    // request (timing), either way two CreateSessions in all.
    const n = verifier.requests.length;
    const s = await startServe(flags(), env());
    children.push(s.child);
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = s.url;
    try {
      const c = await fromInstanceMetadata({ timeout: 5000, maxRetries: 0 })();
      expect(c.accessKeyId).toMatch(/^ASIALOOPBACK/); // refreshed, not the short-lived one
      expect(c.secretAccessKey).toContain(`/${BigInt('0x0b77').toString()}`); // the certificate of the earlier renewal
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    }
    expect(verifier.requests).toHaveLength(n + 2); // the boot fetch (short-lived answer), then the refresh
    expect(verifier.requests[n + 1]!.verdict).toBe('ok');
    s.child.kill('SIGTERM');
    expect((await s.exited).signal).toBe('SIGTERM');
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
    expect((await s.exited).signal).toBe('SIGTERM');
  });
});
