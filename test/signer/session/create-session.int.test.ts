import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
import { createSession, type SessionDeps } from '../../../signer/src/session/create-session.js';
import type { KeySigner, SessionOptions } from '../../../signer/src/types.js';
import { makeServerCertificate, startLoopbackVerifier, type LoopbackVerifier } from '../../support/loopback-verifier.js';
import { startConnectProxy } from './connect-proxy.js';
import { ARNS, TestPki, type Leaf, type LeafKind } from './test-pki.js';

let dir: string;
let pki: TestPki;
let verifier: LoopbackVerifier;
let serverTls: { keyPem: string; certPem: string };
const leaves: Record<string, Leaf> = {};
const noSleep: SessionDeps = { sleep: async () => {}, random: () => 0.5, env: {} };

function opts(extra: Partial<SessionOptions> = {}): SessionOptions {
  return { ...ARNS, endpoint: verifier.url, caBundle: verifier.caPem, timeoutMs: 5000, ...extra };
}

async function signerOf(leaf: Leaf): Promise<KeySigner> {
  return loadKeySigner({ certificate: leaf.certFile, privateKey: leaf.keyFile, intermediates: leaf.chainFile });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-session-'));
  pki = new TestPki(dir);
  for (const kind of ['rsa2048', 'rsa3072', 'rsa4096', 'p256', 'p384'] as LeafKind[]) leaves[kind] = pki.leaf(kind);
  leaves.p256chain = pki.leaf('p256', { withChain: true });
  leaves.rsachain = pki.leaf('rsa2048', { withChain: true });
  leaves.highbit = pki.leaf('p256', { serialHex: 'ff'.repeat(20) });
  serverTls = makeServerCertificate();
  verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() }, serverTls);
});

afterAll(async () => {
  await verifier?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createSession against the independent loopback verifier', () => {
  it.each(['rsa2048', 'rsa3072', 'rsa4096', 'p256', 'p384', 'p256chain', 'rsachain', 'highbit'])('accepts a %s request', async (name) => {
    verifier.reset();
    const creds = await createSession(await signerOf(leaves[name]!), opts({ durationSeconds: 900 }), noSleep);
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['ok']);
    expect(creds.accessKeyId).toMatch(/^ASIALOOPBACK\d{8}$/);
    expect(creds.sessionToken).toMatch(/^loopbackToken/);
    expect(creds.secretAccessKey).toContain(BigInt(`0x${leaves[name]!.serialHex}`).toString(10));
    expect(creds.roleArn).toBe(ARNS.roleArn);
    expect(Date.parse(creds.expiration) - Date.now()).toBeGreaterThan(800_000);
    const r = verifier.requests[0]!;
    expect(r.url.startsWith('/sessions?profileArn=')).toBe(true);
    expect(JSON.parse(r.body)).toEqual({ durationSeconds: 900 });
    expect(r.headers.host).toBe(`127.0.0.1:${verifier.port}`);
    expect(r.headers['user-agent']).toBeUndefined();
    if (leaves[name]!.chainFile) expect(r.headers['x-amz-x509-chain']).toBeTruthy();
  });

  it('sends roleSessionName and a User-Agent (unsigned)', async () => {
    verifier.reset();
    await createSession(await signerOf(leaves.p256!), opts({ roleSessionName: 'host-1' }), { ...noSleep, userAgent: 'rapki/test' });
    expect(JSON.parse(verifier.requests[0]!.body)).toEqual({ durationSeconds: 3600, roleSessionName: 'host-1' });
    expect(verifier.requests[0]!.headers['user-agent']).toBe('rapki/test');
    expect(verifier.requests[0]!.verdict).toBe('ok');
  });

  it('a signature by another key is refused as Invalid signature, with what to check', async () => {
    verifier.reset();
    const good = await signerOf(leaves.p256!);
    const otherKey = readFileSync(leaves.p256chain!.keyFile, 'utf8');
    const forged: KeySigner = {
      certificate: good.certificate,
      chain: good.chain,
      algorithm: good.algorithm,
      sign: async (data) => createSign('sha256').update(data).sign(otherKey),
    };
    await expect(createSession(forged, opts(), noSleep)).rejects.toMatchObject({
      code: 'invalid_signature',
      message: expect.stringMatching(/Invalid signature.*private key belongs to the certificate/),
    });
    expect(verifier.requests).toHaveLength(1); // 403 is final: no retry
  });

  it('signs each retry afresh (new X-Amz-Date) after 5xx and throttling, with backoff', async () => {
    verifier.reset();
    verifier.failNext(1, 500, 'InternalServerException');
    verifier.script({ kind: 'error', status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    let t = Date.now();
    const delays: number[] = [];
    const creds = await createSession(await signerOf(leaves.rsa2048!), opts({ now: () => new Date((t += 3000)) }), {
      env: {},
      random: () => 0.99,
      sleep: async (ms) => void delays.push(ms),
    });
    expect(creds.accessKeyId).toBeTruthy();
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['scripted:error', 'scripted:error', 'ok']);
    const dates = verifier.requests.map((r) => r.amzDate);
    expect(new Set(dates).size).toBe(3);
    expect(delays).toEqual([99, 198]); // full jitter under 100 ms * 2^(n-1)
  });

  it('gives up after maxAttempts with the last error and the attempt count', async () => {
    verifier.reset();
    verifier.failNext(3, 429, undefined, 'Rate exceeded');
    await expect(createSession(await signerOf(leaves.p256!), opts(), noSleep)).rejects.toMatchObject({
      code: 'throttled',
      message: expect.stringMatching(/after 3 attempts/),
    });
    expect(verifier.requests).toHaveLength(3);
    verifier.reset();
    verifier.failNext(2, 503, 'ServiceUnavailableException');
    await expect(createSession(await signerOf(leaves.p256!), opts({ maxAttempts: 2 }), noSleep)).rejects.toMatchObject({
      code: 'service_error',
    });
    expect(verifier.requests).toHaveLength(2);
  });

  it('retries a dropped connection', async () => {
    verifier.reset();
    verifier.script({ kind: 'destroy' });
    await createSession(await signerOf(leaves.p256!), opts(), noSleep);
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['scripted:destroy', 'ok']);
  });

  it('times out a silent endpoint and retries', async () => {
    verifier.reset();
    verifier.script({ kind: 'stall' });
    const t0 = Date.now();
    await createSession(await signerOf(leaves.p256!), opts({ timeoutMs: 300 }), noSleep);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['scripted:stall', 'ok']);
    verifier.reset();
    verifier.script({ kind: 'stall' });
    await expect(createSession(await signerOf(leaves.p256!), opts({ timeoutMs: 200, maxAttempts: 1 }), noSleep)).rejects.toMatchObject({
      code: 'timeout',
    });
  });

  it('reports a refused connection as network_error after the attempts', async () => {
    const closed = await startLoopbackVerifier({}, serverTls);
    const url = closed.url;
    await closed.close();
    await expect(createSession(await signerOf(leaves.p256!), opts({ endpoint: url }), noSleep)).rejects.toMatchObject({
      code: 'network_error',
      message: expect.stringMatching(/ECONNREFUSED.*after 3 attempts/),
    });
  });

  it.each(
    (
      [
        [{ kind: 'error', status: 404, code: 'ResourceNotFoundException', message: 'Profile not found', codeIn: 'body' }, 'resource_not_found'],
        [{ kind: 'error', status: 400, code: 'ValidationException', message: 'bad', codeIn: 'type' }, 'validation_failed'],
        [
          {
            kind: 'error',
            status: 403,
            code: 'AccessDeniedException',
            message: 'Unable to assume role for arn:aws:iam::123456789012:role/x',
            codeIn: 'header',
          },
          'access_denied',
        ],
        [{ kind: 'raw', status: 201, body: '{"credentialSet":[]}' }, 'no_credentials'],
        [{ kind: 'raw', status: 201, body: 'not json' }, 'bad_response'],
        [{ kind: 'raw', status: 201, body: '{"credentialSet":[{"credentials":{"accessKeyId":"A"}}]}' }, 'bad_response'],
        [{ kind: 'raw', status: 201, body: `{"pad":"${'x'.repeat(1100 * 1024)}"}` }, 'bad_response'],
        [{ kind: 'raw', status: 502, body: '<html>bad gateway</html>' }, 'service_error'],
      ] as const
    ).map(([answer, code]) => [JSON.stringify(answer).slice(0, 120), answer, code] as const),
  )('maps %s to %s', async (_label, answer, code) => {
    verifier.reset();
    verifier.script(answer);
    await expect(createSession(await signerOf(leaves.p256!), opts({ maxAttempts: 1 }), noSleep)).rejects.toMatchObject({ code });
    expect(verifier.requests).toHaveLength(1);
  });

  it('maps the verifier own refusals: untrusted chain, revoked, roleSessionName not allowed', async () => {
    const other = new TestPki(join(dir, 'other'));
    const strict = await startLoopbackVerifier(
      { trustedRootsPem: other.rootPem(), acceptRoleSessionName: false, revokedSerials: [BigInt(`0x${leaves.p384!.serialHex}`).toString(10)] },
      serverTls,
    );
    try {
      const o = (e: Partial<SessionOptions> = {}) => opts({ endpoint: strict.url, ...e });
      await expect(createSession(await signerOf(leaves.p256!), o(), noSleep)).rejects.toMatchObject({
        code: 'certificate_untrusted',
        message: expect.stringContaining('--intermediates'),
      });
      const mine = other.leaf('p256');
      await expect(createSession(await signerOf(mine), o({ roleSessionName: 'nope' }), noSleep)).rejects.toMatchObject({
        code: 'role_session_name_not_allowed',
        message: expect.stringContaining('acceptRoleSessionName'),
      });
      await expect(createSession(await signerOf(mine), o(), noSleep)).resolves.toBeTruthy();
    } finally {
      await strict.close();
    }
    const revoking = await startLoopbackVerifier({ revokedSerials: [BigInt(`0x${leaves.p384!.serialHex}`).toString(10)] }, serverTls);
    try {
      await expect(createSession(await signerOf(leaves.p384!), opts({ endpoint: revoking.url }), noSleep)).rejects.toMatchObject({
        code: 'certificate_revoked',
      });
    } finally {
      await revoking.close();
    }
  });

  it('sends nothing when a preflight check fails', async () => {
    verifier.reset();
    const s = await signerOf(leaves.p256!);
    await expect(createSession(s, opts({ trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123:bad' }), noSleep)).rejects.toMatchObject({
      code: 'invalid_arn',
    });
    await expect(createSession(s, opts({ durationSeconds: 60 }), noSleep)).rejects.toMatchObject({ code: 'duration_invalid' });
    await expect(createSession(s, opts({ profileArn: ARNS.profileArn.replace('us-east-1', 'us-west-2') }), noSleep)).rejects.toMatchObject({
      code: 'region_mismatch',
    });
    await expect(createSession(s, opts({ now: () => new Date(Date.now() + 5 * 86400_000) }), noSleep)).rejects.toMatchObject({
      code: 'certificate_expired',
    });
    await expect(createSession(s, opts({ maxAttempts: 0 }), noSleep)).rejects.toMatchObject({ code: 'invalid_session_option' });
    expect(verifier.requests).toHaveLength(0);
  });

  it('talks plain http to a loopback emulator', async () => {
    const plain = await startLoopbackVerifier({ plainHttp: true }, serverTls);
    try {
      await createSession(await signerOf(leaves.p384!), opts({ endpoint: plain.url, caBundle: undefined }), noSleep);
      expect(plain.url.startsWith('http://127.0.0.1:')).toBe(true);
      expect(plain.requests.map((r) => r.verdict)).toEqual(['ok']);
      expect(plain.requests[0]!.headers.host).toBe(`127.0.0.1:${plain.port}`);
    } finally {
      await plain.close();
    }
  });

  it('signs /sessions behind a path prefix (for gateways that strip it)', async () => {
    const gw = await startLoopbackVerifier({ stripPrefix: '/gw/ra' }, serverTls);
    try {
      await createSession(await signerOf(leaves.p256!), opts({ endpoint: `${gw.url}/gw/ra` }), noSleep);
      expect(gw.requests[0]!.url.startsWith('/gw/ra/sessions?')).toBe(true);
      expect(gw.requests[0]!.verdict).toBe('ok');
    } finally {
      await gw.close();
    }
  });
});

describe('TLS and proxy', () => {
  it('refuses an endpoint whose certificate is not trusted, without retrying; caBundle or verifyTls=false fix it', async () => {
    verifier.reset();
    const s = await signerOf(leaves.p256!);
    await expect(createSession(s, opts({ caBundle: undefined }), noSleep)).rejects.toMatchObject({
      code: 'tls_error',
      message: expect.stringContaining('AWS_CA_BUNDLE'),
    });
    expect(verifier.requests).toHaveLength(0);
    await expect(createSession(s, opts({ caBundle: undefined, verifyTls: false }), noSleep)).resolves.toBeTruthy();
    await expect(createSession(s, opts(), noSleep)).resolves.toBeTruthy();
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['ok', 'ok']);
  });

  it('goes through HTTPS_PROXY by default (not for loopback endpoints), honours NO_PROXY, and withProxy: false', async () => {
    // The proxy sends every tunnel to the verifier, whatever host was asked for: the endpoint name
    // below needs no DNS, only the proxy.
    const proxy = await startConnectProxy({ forwardTo: { host: '127.0.0.1', port: verifier.port } });
    try {
      verifier.reset();
      const s = await signerOf(leaves.rsa2048!);
      const env = { HTTPS_PROXY: proxy.url };
      const named = opts({ endpoint: `https://localhost.proxied.invalid:${verifier.port}`, caBundle: verifier.caPem, verifyTls: false });
      await createSession(s, named, { ...noSleep, env });
      expect(proxy.tunnels).toEqual([`localhost.proxied.invalid:${verifier.port}`]);
      await createSession(s, opts(), { ...noSleep, env }); // loopback: direct
      expect(proxy.tunnels).toHaveLength(1);
      await expect(createSession(s, named, { ...noSleep, env: { ...env, NO_PROXY: '.invalid' } })).rejects.toMatchObject({ code: 'network_error' });
      await expect(createSession(s, { ...named, withProxy: false }, { ...noSleep, env })).rejects.toMatchObject({ code: 'network_error' });
      expect(proxy.tunnels).toHaveLength(1);
      expect(verifier.requests.map((r) => r.verdict)).toEqual(['ok', 'ok']);
      // TLS verification still applies through the tunnel (the verifier's certificate names 127.0.0.1 and localhost only).
      await expect(createSession(s, { ...named, verifyTls: true }, { ...noSleep, env })).rejects.toMatchObject({ code: 'tls_error' });
      expect(verifier.requests).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('reports a proxy that refuses CONNECT, naming the proxy (never its credentials)', async () => {
    const proxy = await startConnectProxy({ refuse: 407 });
    try {
      const s = await signerOf(leaves.p256!);
      const env = { HTTPS_PROXY: proxy.url.replace('http://', 'http://user:s3cret@') };
      const err = (await createSession(s, opts({ endpoint: 'https://ra.proxied.invalid', maxAttempts: 1 }), { ...noSleep, env }).catch(
        (e: unknown) => e,
      )) as Error & { code: string };
      expect(err.code).toBe('network_error');
      expect(err.message).toMatch(/refused CONNECT ra\.proxied\.invalid:443: HTTP\/1\.1 407/);
      expect(err.message).toContain('(HTTPS_PROXY)');
      expect(err.message).not.toContain('s3cret');
      expect(proxy.authorizations).toEqual([`Basic ${Buffer.from('user:s3cret').toString('base64')}`]);
    } finally {
      await proxy.close();
    }
  });
});
