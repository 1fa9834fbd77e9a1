/**
 * Own vectors: requests signed for RSA 3072/4096, P-256, P-384, with chains, odd serials and a
 * role session name, each verified by code in THIS file (own canonicalization, node:crypto verify
 * with the public key openssl put in the certificate), never by the signer's own functions.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
import { signCreateSessionRequest } from '../../../signer/src/request/sign-create-session.js';
import type { CreateSessionInput, SignedCreateSessionRequest } from '../../../signer/src/types.js';
import { certDer, certSerialHex, genKey, issueCert, makePki, makeTempDir, removeTempDir, type KeySpec, type TestPki } from '../../support/openssl.js';

const ARNS = {
  trustAnchorArn: 'arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
  profileArn: 'arn:aws:rolesanywhere:eu-west-1:123456789012:profile/11111111-2222-3333-4444-555555555555',
  roleArn: 'arn:aws:iam::123456789012:role/path/Workload',
};
const NOW = new Date('2026-03-04T05:06:07.890Z');

let dir: string;
let pki: TestPki;
const leaves: Record<string, { cert: string; key: string }> = {};

async function leaf(name: string, spec: KeySpec, serialHex?: string): Promise<void> {
  const key = await genKey(dir, `${name}.key`, spec);
  const cert = await issueCert(dir, name, key, { issuer: pki.issuer, ...(serialHex ? { serialHex } : {}) });
  leaves[name] = { cert, key };
}

beforeAll(async () => {
  dir = await makeTempDir();
  pki = await makePki(dir, 2);
  await Promise.all([
    leaf('rsa3072', 'rsa:3072'),
    leaf('rsa4096', 'rsa:4096'),
    leaf('p256', 'ec:P-256'),
    leaf('p384', 'ec:P-384'),
    leaf('highbit', 'ec:P-256', '80a1b2c3d4e5f60718'),
    leaf('serial20', 'ec:P-256', '7f' + 'e1'.repeat(19)),
  ]);
});
afterAll(() => removeTempDir(dir));

/** RFC 3986 encoding written independently of signer/src/sigv4/uri-encode.ts. */
const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** Rebuilds the string to sign from what goes on the wire and verifies the signature. */
function verifyOnTheWire(req: SignedCreateSessionRequest, certPem: string, region: string): { serial: string; signedHeaders: string } {
  const auth = req.headers['Authorization'] as string;
  const m =
    /^(AWS4-X509-(?:RSA|ECDSA)-SHA256) Credential=(\d+)\/(\d{8})\/([^/]+)\/rolesanywhere\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]+)$/.exec(
      auth,
    );
  expect(m, auth).not.toBeNull();
  const [, algorithm, serial, date, scopeRegion, signedHeaders, sigHex] = m as unknown as string[];
  expect(scopeRegion).toBe(region);
  const [path, rawQuery = ''] = req.pathAndQuery.split('?');
  expect(path).toBe('/sessions');
  const query = [...new URLSearchParams(rawQuery).entries()]
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .sort()
    .join('&');
  const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = (signedHeaders as string).split(';');
  const canonical = [
    'POST',
    '/sessions',
    query,
    ...names.map((n) => `${n}:${String(lower[n]).trim()}`),
    '',
    signedHeaders,
    createHash('sha256').update(req.body).digest('hex'),
  ].join('\n');
  const amzDate = lower['x-amz-date'] as string;
  expect(amzDate.slice(0, 8)).toBe(date);
  const sts = [algorithm, amzDate, `${date}/${region}/rolesanywhere/aws4_request`, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const publicKey = new X509Certificate(certPem).publicKey;
  expect(algorithm).toBe(publicKey.asymmetricKeyType === 'rsa' ? 'AWS4-X509-RSA-SHA256' : 'AWS4-X509-ECDSA-SHA256');
  expect(verify('sha256', Buffer.from(sts), publicKey, Buffer.from(sigHex as string, 'hex'))).toBe(true);
  // The same signature must not verify over a different date (the check can fail).
  expect(verify('sha256', Buffer.from(sts.replace(amzDate, '20000101T000000Z')), publicKey, Buffer.from(sigHex as string, 'hex'))).toBe(false);
  return { serial: serial as string, signedHeaders: signedHeaders as string };
}

function input(extra: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return { ...ARNS, region: 'eu-west-1', durationSeconds: 3600, host: 'rolesanywhere.eu-west-1.amazonaws.com', ...extra };
}

describe('signCreateSessionRequest, own vectors verified independently', () => {
  for (const name of ['rsa3072', 'rsa4096', 'p256', 'p384']) {
    it(`signs a verifiable request with a ${name} leaf`, async () => {
      const { cert, key } = leaves[name] as { cert: string; key: string };
      const signer = await loadKeySigner({ certificate: cert, privateKey: key });
      const req = await signCreateSessionRequest(input(), signer, NOW);
      const certPem = await readFile(cert, 'utf8');
      const { serial, signedHeaders } = verifyOnTheWire(req, certPem, 'eu-west-1');
      expect(serial).toBe(BigInt('0x' + (await certSerialHex(cert))).toString());
      expect(signedHeaders).toBe('content-type;host;x-amz-date;x-amz-x509');
      expect(req.headers['X-Amz-Date']).toBe('20260304T050607Z');
      expect(req.headers['X-Amz-X509']).toBe((await certDer(dir, cert)).toString('base64'));
      expect(req.body).toBe('{"durationSeconds":3600}');
      expect(Object.keys(req.headers)).toEqual(['Content-Type', 'Host', 'X-Amz-Date', 'X-Amz-X509', 'Authorization']);
    });
  }

  it('sends and signs a two-intermediate chain, comma-joined, in the order given', async () => {
    const { cert, key } = leaves['p256'] as { cert: string; key: string };
    const bundle = join(dir, 'bundle.pem');
    const [i2, i1] = [pki.intermediates[1]!.cert, pki.intermediates[0]!.cert];
    await (await import('node:fs/promises')).writeFile(bundle, (await readFile(i2, 'utf8')) + 'free text\n' + (await readFile(i1, 'utf8')));
    const signer = await loadKeySigner({ certificate: cert, privateKey: key, intermediates: bundle });
    const req = await signCreateSessionRequest(input(), signer, NOW);
    const { signedHeaders } = verifyOnTheWire(req, await readFile(cert, 'utf8'), 'eu-west-1');
    expect(signedHeaders).toBe('content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain');
    expect(req.headers['X-Amz-X509-Chain']).toBe(`${(await certDer(dir, i2)).toString('base64')},${(await certDer(dir, i1)).toString('base64')}`);
  });

  it('sends a one-intermediate chain', async () => {
    const { cert, key } = leaves['rsa3072'] as { cert: string; key: string };
    const signer = await loadKeySigner({ certificate: cert, privateKey: key, intermediates: pki.intermediates[1]!.cert });
    const req = await signCreateSessionRequest(input(), signer, NOW);
    verifyOnTheWire(req, await readFile(cert, 'utf8'), 'eu-west-1');
    expect(req.headers['X-Amz-X509-Chain']).toBe((await certDer(dir, pki.intermediates[1]!.cert)).toString('base64'));
  });

  it('renders a high-bit serial as a positive decimal', async () => {
    const { cert, key } = leaves['highbit'] as { cert: string; key: string };
    const req = await signCreateSessionRequest(input(), await loadKeySigner({ certificate: cert, privateKey: key }), NOW);
    const { serial } = verifyOnTheWire(req, await readFile(cert, 'utf8'), 'eu-west-1');
    expect(serial).toBe(BigInt('0x80a1b2c3d4e5f60718').toString());
  });

  it('renders a 20-byte serial exactly', async () => {
    const { cert, key } = leaves['serial20'] as { cert: string; key: string };
    const req = await signCreateSessionRequest(input(), await loadKeySigner({ certificate: cert, privateKey: key }), NOW);
    const { serial } = verifyOnTheWire(req, await readFile(cert, 'utf8'), 'eu-west-1');
    expect(serial).toBe(BigInt('0x7f' + 'e1'.repeat(19)).toString());
    expect(serial.length).toBeGreaterThan(45);
  });

  it('puts roleSessionName in the body after durationSeconds and signs that exact body', async () => {
    const { cert, key } = leaves['p384'] as { cert: string; key: string };
    const req = await signCreateSessionRequest(
      input({ roleSessionName: 'web-01', durationSeconds: 900 }),
      await loadKeySigner({ certificate: cert, privateKey: key }),
      NOW,
    );
    expect(req.body).toBe('{"durationSeconds":900,"roleSessionName":"web-01"}');
    verifyOnTheWire(req, await readFile(cert, 'utf8'), 'eu-west-1');
  });

  it('keeps a non-default port in Host and returns the debug intermediates', async () => {
    const { cert, key } = leaves['p256'] as { cert: string; key: string };
    const req = await signCreateSessionRequest(input({ host: '127.0.0.1:8443' }), await loadKeySigner({ certificate: cert, privateKey: key }), NOW);
    expect(req.headers['Host']).toBe('127.0.0.1:8443');
    expect(req.canonicalRequest).toContain('\nhost:127.0.0.1:8443\n');
    expect(req.stringToSign.split('\n')[3]).toBe(createHash('sha256').update(req.canonicalRequest).digest('hex'));
    expect(req.canonicalRequest + req.stringToSign).not.toMatch(/PRIVATE KEY/);
    verifyOnTheWire(req, await readFile(cert, 'utf8'), 'eu-west-1');
  });

  it('refuses a Host with whitespace', async () => {
    const { cert, key } = leaves['p256'] as { cert: string; key: string };
    const signer = await loadKeySigner({ certificate: cert, privateKey: key });
    await expect(signCreateSessionRequest(input({ host: 'a b' }), signer, NOW)).rejects.toMatchObject({ code: 'invalid_host' });
  });
});
