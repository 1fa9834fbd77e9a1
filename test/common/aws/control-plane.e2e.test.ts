/**
 * The Roles Anywhere control-plane client (common/src/aws/control-plane.ts, used by the CA's CRL
 * sync and rotation and by `rapki aws …`) against `rapki emulator`: SDK and hand-signed transports
 * give the same shapes, service errors keep their AWS type, transport failures are coded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane } from '../../../common/src/aws/control-plane.js';
import { crlToPem } from '../../../common/src/x509/crl.js';
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../../cli/aws/emulator-process.js';
import { makeTestCa, type TestCa } from '../../ca-server/sync/crl-fixture.js';

const creds = { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY };
const MISSING = '00000000-0000-4000-8000-000000000000';

async function failure(p: Promise<unknown>): Promise<{ code: string; details?: Record<string, unknown>; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err as { code: string; details?: Record<string, unknown>; message: string },
  );
  expect(e, 'expected the call to fail').toBeDefined();
  return e!;
}

describe('Roles Anywhere control-plane client', () => {
  let emu: EmulatorProcess;
  let cp: RolesAnywhereControlPlane;
  let ca: TestCa;

  beforeAll(async () => {
    emu = await startEmulatorProcess();
    cp = createControlPlane({ endpoint: emu.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    ca = await makeTestCa();
  }, 60_000);

  afterAll(async () => {
    cp?.close();
    await emu?.dispose();
  });

  it('creates with the SDK and reads the full current shape with hand-signed requests', async () => {
    const ta = await cp.createTrustAnchor({ name: 'cp-test', bundlePem: ca.certPem, enabled: true, tags: [{ key: 'rapki:managed-by', value: 'rapki' }] });
    const full = await cp.getTrustAnchor(ta.trustAnchorId);
    expect(full).toMatchObject({ trustAnchorArn: ta.trustAnchorArn, enabled: true, sourceType: 'CERTIFICATE_BUNDLE' });
    expect(full.x509CertificateData?.replace(/\s+/g, '')).toBe(ca.certPem.replace(/\s+/g, ''));
    // The service defaults (45 days) are visible only through the hand-signed read.
    expect(full.notificationSettings.map((n) => [n.event, n.threshold])).toEqual(
      expect.arrayContaining([
        ['CA_CERTIFICATE_EXPIRY', 45],
        ['END_ENTITY_CERTIFICATE_EXPIRY', 45],
      ]),
    );
    const after = await cp.putNotificationSettings(ta.trustAnchorId, [{ enabled: false, event: 'END_ENTITY_CERTIFICATE_EXPIRY', channel: 'ALL' }]);
    expect(after.notificationSettings.find((n) => n.event === 'END_ENTITY_CERTIFICATE_EXPIRY')?.enabled).toBe(false);
    expect(await cp.listTags(ta.trustAnchorArn)).toEqual([{ key: 'rapki:managed-by', value: 'rapki' }]);

    const p = await cp.createProfile({
      name: 'cp-test',
      roleArns: ['arn:aws:iam::123456789012:role/a'],
      managedPolicyArns: [],
      durationSeconds: 1800,
      acceptRoleSessionName: true,
      enabled: true,
      tags: [],
    });
    expect(p).toMatchObject({ acceptRoleSessionName: true, durationSeconds: 1800, enabled: true });
    const mapped = await cp.putAttributeMapping(p.profileId, { certificateField: 'x509SAN', mappingRules: [{ specifier: 'DNS' }] });
    expect(mapped.attributeMappings.find((m) => m.certificateField === 'x509SAN')?.mappingRules).toEqual([{ specifier: 'DNS' }]);
    const upd = await cp.updateProfile(p.profileId, { acceptRoleSessionName: false, roleArns: ['arn:aws:iam::123456789012:role/b'] });
    expect(upd).toMatchObject({ acceptRoleSessionName: false, roleArns: ['arn:aws:iam::123456789012:role/b'] });
  });

  it('imports, updates and reads back CRL bytes (base64 on the wire) unchanged', async () => {
    const [ta] = await cp.listTrustAnchors();
    // The emulator, like ImportCrl's documentation, wants a PEM `X509 CRL`: what crlToPem writes.
    const crl1 = Buffer.from(crlToPem((await ca.crl(1)).der));
    const crl2 = Buffer.from(crlToPem((await ca.crl(2, 2)).der));
    const imported = await cp.importCrl({ name: 'cp-test-crl', pem: crl1, trustAnchorArn: ta!.trustAnchorArn, enabled: true, tags: [] });
    expect(Buffer.from(imported.crlData).equals(crl1)).toBe(true);
    await cp.updateCrl(imported.crlId, crl2);
    const back = await cp.getCrl(imported.crlId);
    expect(Buffer.from(back.crlData).equals(crl2)).toBe(true);
    expect(back.enabled).toBe(true);
  });

  it('keeps the service error type for SDK and hand-signed calls', async () => {
    const viaSdk = await failure(cp.getCrl(MISSING));
    expect(viaSdk).toMatchObject({ code: 'aws_request_failed', details: { awsError: 'ResourceNotFoundException', status: 404 } });
    const viaRaw = await failure(cp.getTrustAnchor(MISSING));
    expect(viaRaw).toMatchObject({ code: 'aws_request_failed', details: { awsError: 'ResourceNotFoundException', status: 404 } });
    const invalid = await failure(
      cp.createProfile({
        name: 'x',
        roleArns: ['arn:aws:iam::123456789012:role/a'],
        managedPolicyArns: [],
        durationSeconds: 60,
        acceptRoleSessionName: false,
        enabled: true,
        tags: [],
      }),
    );
    expect(invalid).toMatchObject({ code: 'aws_request_failed', details: { awsError: 'ValidationException' } });
    expect(invalid.message).toMatch(/durationSeconds/);
  });

  it('codes transport failures and refuses bad options', async () => {
    const dead = createControlPlane({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials: creds, maxAttempts: 1, timeoutMs: 2000 });
    try {
      expect(await failure(dead.listCrls())).toMatchObject({ code: 'aws_unreachable' });
      expect(await failure(dead.getProfile(MISSING))).toMatchObject({ code: 'aws_unreachable' });
    } finally {
      dead.close();
    }
    const noCreds = createControlPlane({
      endpoint: emu.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })),
    });
    try {
      expect(await failure(noCreds.getTrustAnchor(MISSING))).toMatchObject({ code: 'aws_credentials_missing' });
      expect(await failure(noCreds.listTrustAnchors())).toMatchObject({ code: 'aws_credentials_missing' });
    } finally {
      noCreds.close();
    }
    expect(() => createControlPlane({ region: 'not a region' })).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    expect(() => createControlPlane({ region: 'us-east-1', endpoint: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
  });
});
