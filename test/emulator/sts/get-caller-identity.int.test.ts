/**
 * STS GetCallerIdentity with credentials minted by CreateSession, driven by the real
 * @aws-sdk/client-sts; the credentials come from the product signer (signer/) over HTTP and HTTPS,
 * and from the independent test signer.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createSession } from '../../../signer/src/session/create-session.js';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';
import { makeLeaf, type TestLeaf } from '../../support/emulator-pki.js';
import { makeWorld, ROLE_ARN, type World } from '../helpers/world.js';
import { sendCreateSession } from '../helpers/x509-request-signer.js';

let w: World;
let leaf: TestLeaf;
beforeAll(async () => {
  w = await makeWorld();
  leaf = makeLeaf(w.root, { cn: 'sts.example.test' });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

async function callerIdentity(url: string, credentials: Creds, region = 'us-east-1') {
  const sts = new STSClient({ endpoint: url, region, credentials, maxAttempts: 1 });
  try {
    return await sts.send(new GetCallerIdentityCommand({}));
  } finally {
    sts.destroy();
  }
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } } | undefined;
  expect(e, 'expected GetCallerIdentity to fail').toBeDefined();
  return { name: e!.name, message: e!.message, status: e!.$metadata?.httpStatusCode };
}

async function signerCredentials(url: string, extra: { caBundle?: string } = {}): Promise<Creds> {
  const signer = await loadKeySigner({ certificate: leaf.certPath, privateKey: leaf.keyPath });
  const c = await createSession(signer, {
    trustAnchorArn: w.trustAnchorArn,
    profileArn: w.profileArn,
    roleArn: ROLE_ARN,
    endpoint: url,
    maxAttempts: 1,
    ...extra,
  });
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
}

describe('with credentials from the product signer', () => {
  it('GetCallerIdentity succeeds, and fails with a changed secret or token', async () => {
    const creds = await signerCredentials(w.emulator.url);
    const id = await callerIdentity(w.emulator.url, creds);
    expect(id.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/app-role/${leaf.serialHex}`);
    expect(id.Account).toBe('123456789012');
    expect(id.UserId).toMatch(new RegExp(`^AROA[A-Z2-7]{17}:${leaf.serialHex}$`));

    const secret = creds.secretAccessKey;
    const changed = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(await failure(callerIdentity(w.emulator.url, { ...creds, secretAccessKey: changed }))).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    });
    expect(await failure(callerIdentity(w.emulator.url, { ...creds, sessionToken: `${creds.sessionToken.slice(0, -4)}AAAA` }))).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('works over HTTPS (emulator TLS option, signer CA bundle)', async () => {
    const dir = w.dir;
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'tls.key'),
        '-out',
        join(dir, 'tls.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tlsCert = readFileSync(join(dir, 'tls.pem'), 'utf8');
    const state = join(dir, 'shared-state.json');
    writeFileSync(state, JSON.stringify(w.emulator.state));
    const tls: RunningEmulator = await startEmulator({ tls: { cert: tlsCert, key: readFileSync(join(dir, 'tls.key')) }, stateFile: state });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const creds = await signerCredentials(tls.url, { caBundle: tlsCert });
      expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(tls.state.sessions.some((s) => s.accessKeyId === creds.accessKeyId)).toBe(true);
    } finally {
      await tls.close();
    }
  });
});

describe('with credentials from the test signer', () => {
  async function mint(durationSeconds = 900): Promise<Creds> {
    const res = await sendCreateSession({
      url: w.emulator.url,
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      trustAnchorArn: w.trustAnchorArn,
      profileArn: w.profileArn,
      roleArn: ROLE_ARN,
      durationSeconds,
      date: w.emulator.clock.now(),
    });
    expect(res.status).toBe(201);
    const { accessKeyId, secretAccessKey, sessionToken } = res.json!.credentialSet[0].credentials as Creds;
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  it('ExpiredToken once the session has expired', async () => {
    const creds = await mint(900);
    expect((await callerIdentity(w.emulator.url, creds)).Arn).toContain('assumed-role/app-role/');
    // Move the emulator past expiry; the SDK signs with the same offset so the date window holds.
    w.emulator.clock.advance(901_000);
    try {
      const sts = new STSClient({ endpoint: w.emulator.url, region: 'us-east-1', credentials: creds, maxAttempts: 1, systemClockOffset: 901_000 });
      const e = await failure(sts.send(new GetCallerIdentityCommand({})));
      sts.destroy();
      expect(e).toEqual({ name: 'ExpiredToken', status: 400, message: 'The security token included in the request is expired' });
    } finally {
      w.emulator.clock.advance(-901_000);
    }
  });

  it('refuses a key the emulator never minted', async () => {
    expect(
      await failure(callerIdentity(w.emulator.url, { accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40), sessionToken: 'tok' })),
    ).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('minted credentials also authenticate control-plane calls', async () => {
    const creds = await mint();
    const { RolesAnywhereClient, ListProfilesCommand } = await import('@aws-sdk/client-rolesanywhere');
    const c = new RolesAnywhereClient({ endpoint: w.emulator.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      expect((await c.send(new ListProfilesCommand({}))).profiles!.length).toBeGreaterThan(0);
    } finally {
      c.destroy();
    }
  });
});
