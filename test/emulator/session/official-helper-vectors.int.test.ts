/**
 * Replays requests captured from the official aws_signing_helper v1.1.1 (the project's KAT
 * vectors, test/fixtures/kat/rolesanywhere-signer-kat) byte for byte against the emulator: its
 * own canonical-request code must accept what the real client signed, with the Host header as
 * captured (127.0.0.1:8080), and refuse the same request once a byte changes.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';
import { KAT_DIR as KAT, readKatVectors, type KatVector } from '../../support/kat-vectors.js';
import type { WireBody } from '../helpers/wire-body.js';

const read = (f: string) => readFileSync(new URL(f, KAT), 'utf8');
const vectors = readKatVectors();

let emu: RunningEmulator;
let dir: string;

function seedState(): string {
  const at = '2024-07-01T00:00:00.000Z';
  const anchor = (arn: string, pem: string) => ({
    trustAnchorId: arn.split('/')[1],
    trustAnchorArn: arn,
    name: 'kat',
    source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: pem } },
    enabled: true,
    createdAt: at,
    updatedAt: at,
    notificationSettings: [],
  });
  const v0 = vectors[0]!.query;
  const v1 = vectors[1]!.query;
  const state = {
    version: 1,
    trustAnchors: [anchor(v0.trustAnchorArn, read('root-ca.crt')), anchor(v1.trustAnchorArn, read('root-ca-ecc.crt'))],
    profiles: [
      {
        profileId: v0.profileArn.split('/')[1],
        profileArn: v0.profileArn,
        name: 'kat',
        requireInstanceProperties: false,
        enabled: true,
        createdBy: 'kat',
        roleArns: [v0.roleArn],
        managedPolicyArns: [],
        createdAt: at,
        updatedAt: at,
        durationSeconds: 3600,
        acceptRoleSessionName: false,
        attributeMappings: [],
      },
    ],
    crls: [],
    subjects: [],
    tags: {},
    sessions: [],
  };
  const file = join(dir, 'kat-state.json');
  writeFileSync(file, JSON.stringify(state));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-emu-kat-'));
  emu = await startEmulator({ stateFile: seedState(), region: 'us-east-2', accountId: '291738886548' });
});
afterAll(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

function replay(v: KatVector, mutate: (h: Record<string, string>, body: { b: string }) => void = () => {}) {
  const cert = new X509Certificate(read(v.certificate));
  const query = Object.entries(v.query as Record<string, string>)
    .map(([k, val]) => `${k}=${encodeURIComponent(val)}`)
    .join('&');
  const authorization = v.authorization ?? `AWS4-X509-ECDSA-SHA256 Credential=${v.credential}, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`;
  const headers: Record<string, string> = {
    'Content-Type': v.contentType,
    Host: v.host,
    'X-Amz-Date': v.amzDate,
    'X-Amz-X509': cert.raw.toString('base64'),
    Authorization: authorization,
    'User-Agent': 'CredHelper/1.1.1 (go1.22.4; linux; amd64)',
  };
  const body = { b: v.body as string };
  mutate(headers, body);
  return new Promise<{ status: number; json: WireBody; reason: unknown }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: emu.port, method: 'POST', path: `/sessions?${query}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) as WireBody, reason: res.headers['x-rapki-emulator-reason'] }),
      );
    });
    req.on('error', reject);
    req.end(body.b);
  });
}

describe('official helper requests (KAT)', () => {
  it('accepts the captured RSA request (query-string ARNs, Host 127.0.0.1:8080)', async () => {
    const v = vectors[0]!;
    emu.clock.set(new Date('2024-07-06T11:39:30Z'));
    const res = await replay(v);
    expect(res.status).toBe(201);
    expect(res.json.credentialSet[0].roleArn).toBe(v.query.roleArn);
    expect(res.json.credentialSet[0].sourceIdentity).toBe('CN=alice-cert.domain.com');
    expect(res.json.credentialSet[0].assumedRoleUser.arn).toBe('arn:aws:sts::291738886548:assumed-role/rolesanywhere1/15');
  });

  it('accepts the captured ECDSA P-384 request (SHA-256 signature, second trust anchor)', async () => {
    const v = vectors[1]!;
    emu.clock.set(new Date('2024-07-06T14:30:30Z'));
    const res = await replay(v);
    expect(res.status).toBe(201);
    expect(res.json.credentialSet[0].assumedRoleUser.arn).toBe('arn:aws:sts::291738886548:assumed-role/rolesanywhere1/03');
    // A replay inside the window is accepted again (the emulator keeps no replay cache).
    expect((await replay(v)).status).toBe(201);
  });

  it('refuses the ECDSA request once its chain no longer reaches the named trust anchor', async () => {
    const v = { ...vectors[1]!, query: { ...vectors[1]!.query } };
    emu.clock.set(new Date('2024-07-06T14:30:30Z'));
    // Changing the trust anchor changes the signed query, so the signature breaks first.
    v.query.trustAnchorArn = vectors[0]!.query.trustAnchorArn;
    const res = await replay(v);
    expect([res.status, res.json.message, res.reason]).toEqual([403, 'Invalid signature', 'bad_signature']);
  });

  it('refuses the captured request with one body byte changed, another Host or a late clock', async () => {
    const v = vectors[0]!;
    emu.clock.set(new Date('2024-07-06T11:39:30Z'));
    const body = await replay(v, (_h, b) => (b.b = b.b.replace('3600', '3601')));
    expect([body.status, body.json.message, body.reason]).toEqual([403, 'Invalid signature', 'bad_signature']);
    const host = await replay(v, (h) => (h.Host = '127.0.0.1:8081'));
    expect([host.status, host.reason]).toEqual([403, 'bad_signature']);
    emu.clock.set(new Date('2024-07-06T11:45:00Z'));
    const late = await replay(v);
    expect([late.status, late.reason]).toEqual([403, 'stale_date']);
    expect(late.json.message).toBe('Signature expired: 20240706T113859Z is now earlier than 20240706T114000Z (20240706T114500Z - 5 min.)');
  });
});
