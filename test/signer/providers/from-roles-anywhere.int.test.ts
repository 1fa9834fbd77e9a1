import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromRolesAnywhere, type FromRolesAnywhereOptions } from '../../../signer/src/providers/from-roles-anywhere.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../../support/loopback-verifier.js';
import { ARNS, TestPki, type Leaf } from '../session/test-pki.js';

let dir: string;
let verifier: LoopbackVerifier;
let leafA: Leaf;
let leafB: Leaf;
let certFile: string;
let keyFile: string;
/** One clock for the provider, the signer and the verifier, so time can jump without skew errors. */
let t = Date.now();
const MIN = 60_000;

function provider(extra: Partial<FromRolesAnywhereOptions> = {}) {
  return fromRolesAnywhere({
    ...ARNS,
    certificate: certFile,
    privateKey: keyFile,
    endpoint: verifier.url,
    caBundle: verifier.caPem,
    durationSeconds: 900,
    maxAttempts: 1,
    now: () => new Date(t),
    ...extra,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-provider-'));
  const pki = new TestPki(dir);
  leafA = pki.leaf('p256');
  leafB = pki.leaf('rsa2048');
  certFile = join(dir, 'current.pem');
  keyFile = join(dir, 'current.key');
  verifier = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem(), now: () => t });
});

beforeEach(() => {
  t = Date.now();
  verifier.reset();
  copyFileSync(leafA.certFile, certFile);
  copyFileSync(leafA.keyFile, keyFile);
});

afterAll(async () => {
  await verifier?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fromRolesAnywhere', () => {
  it('returns SDK-shaped credentials and memoizes them until 5 minutes before expiry', async () => {
    const p = provider();
    const first = await p();
    expect(first.expiration).toBeInstanceOf(Date);
    expect(first.expiration!.getTime()).toBe(Math.floor(t / 1000) * 1000 + 900_000);
    expect(first.accountId).toBe('123456789012');
    expect(first.accessKeyId).toMatch(/^ASIA/);
    expect(first.sessionToken).toBeTruthy();
    t += 9 * MIN; // 6 minutes left
    expect(await p()).toBe(first);
    expect(verifier.requests).toHaveLength(1);
    t += 2 * MIN; // 4 minutes left: inside the window
    const second = await p();
    expect(second).not.toBe(first);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['ok', 'ok']);
  });

  it('lets concurrent callers share one CreateSession', async () => {
    const p = provider();
    const all = await Promise.all([p(), p(), p(), p(), p()]);
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    expect(verifier.requests).toHaveLength(1);
  });

  it('re-reads the certificate and key at each refresh', async () => {
    const p = provider();
    await p();
    copyFileSync(leafB.certFile, certFile);
    copyFileSync(leafB.keyFile, keyFile);
    t += 11 * MIN;
    await p();
    expect(verifier.requests.map((r) => r.verdict)).toEqual(['ok', 'ok']);
    const serials = verifier.requests.map((r) => String(r.headers.authorization).match(/Credential=(\d+)/)![1]);
    expect(serials).toEqual([BigInt(`0x${leafA.serialHex}`).toString(10), BigInt(`0x${leafB.serialHex}`).toString(10)]);
  });

  it('honours forceRefresh', async () => {
    const p = provider();
    const a = await p();
    const b = await p({ forceRefresh: true });
    expect(b.accessKeyId).not.toBe(a.accessKeyId);
    expect(verifier.requests).toHaveLength(2);
  });

  it('keeps valid credentials when a refresh fails, spaces retries, and fails once they expire', async () => {
    const p = provider({ retryAfterMs: 30_000 });
    const first = await p();
    t += 11 * MIN;
    verifier.failNext(1, 500, 'InternalServerException');
    expect(await p()).toBe(first); // refresh failed, old credentials still valid for 4 min
    expect(await p()).toBe(first); // within retryAfterMs: no new request
    expect(verifier.requests).toHaveLength(2);
    t += 31_000;
    const fresh = await p(); // retried and succeeded
    expect(fresh).not.toBe(first);
    expect(verifier.requests).toHaveLength(3);

    const q = provider();
    await q();
    t += 16 * MIN; // expired
    verifier.failNext(1, 403, 'AccessDeniedException', 'Untrusted Signing Certificate');
    await expect(q()).rejects.toMatchObject({ code: 'certificate_untrusted' });
  });

  it('surfaces key-loading errors without sending anything', async () => {
    const p = provider({ privateKey: join(dir, 'missing.key') });
    await expect(p()).rejects.toMatchObject({ code: 'file_not_found' });
    expect(verifier.requests).toHaveLength(0);
  });

  it('works as `credentials` of a real AWS SDK v3 client (STS against a loopback stand-in)', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const sts = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
              '<Arn>arn:aws:sts::123456789012:assumed-role/rapki-test/x</Arn><UserId>AROA:x</UserId><Account>123456789012</Account>' +
              '</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          ),
      );
    });
    await new Promise<void>((r) => sts.listen(0, '127.0.0.1', r));
    try {
      const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const client = new STSClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${(sts.address() as AddressInfo).port}`,
        credentials: provider({ now: undefined }),
      });
      t = Date.now();
      const out = await client.send(new GetCallerIdentityCommand({}));
      await client.send(new GetCallerIdentityCommand({}));
      expect(out.Account).toBe('123456789012');
      expect(verifier.requests).toHaveLength(1); // the SDK reused the memoized credentials
      expect(String(seen[0]!.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIALOOPBACK\d{8}\/\d{8}\/us-east-1\/sts\/aws4_request/);
      expect(seen[0]!['x-amz-security-token']).toMatch(/^loopbackToken\+\d+=$/);
      client.destroy();
    } finally {
      await new Promise<void>((r) => sts.close(() => r()));
    }
  });
});
