import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DisableCrlCommand,
  DisableProfileCommand,
  DisableTrustAnchorCommand,
  EnableProfileCommand,
  EnableTrustAnchorCommand,
  ImportCrlCommand,
  UpdateProfileCommand,
} from '@aws-sdk/client-rolesanywhere';
import { issuerFrom, makeIntermediateCa, makeLeaf, makeRootCa, makeCrl, revoke, type TestLeaf } from '../../support/emulator-pki.js';
import { sendCreateSession, type SessionRequestOptions } from '../helpers/x509-request-signer.js';
import { makeWorld, ROLE_ARN, type World } from '../helpers/world.js';

const REASON = 'x-rapki-emulator-reason';
let w: World;
let good: TestLeaf;

beforeAll(async () => {
  w = await makeWorld({ roles: { 'long-role': 7200 } });
  good = makeLeaf(w.root, { cn: 'web1.example.test', san: 'DNS:web1.example.test' });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

function call(leaf: TestLeaf, extra: Partial<SessionRequestOptions> = {}) {
  return sendCreateSession({
    url: w.emulator.url,
    certPem: leaf.certPem,
    keyPem: leaf.keyPem,
    trustAnchorArn: w.trustAnchorArn,
    profileArn: w.profileArn,
    roleArn: ROLE_ARN,
    durationSeconds: 3600,
    date: w.emulator.clock.now(),
    ...extra,
  });
}

function expectRefusal(res: Awaited<ReturnType<typeof call>>, status: number, type: string, message: string, reason: string) {
  expect({ status: res.status, type: res.headers['x-amzn-errortype'], message: res.json?.message, reason: res.headers[REASON] }).toEqual({
    status,
    type,
    message,
    reason,
  });
}

describe('CreateSession success', () => {
  it('answers 201 with the exact credentialSet shape', async () => {
    const before = w.emulator.clock.now();
    const res = await call(good);
    expect(res.status).toBe(201);
    const set = res.json!.credentialSet;
    expect(Object.keys(res.json!).sort()).toEqual(['credentialSet', 'subjectArn']);
    expect(set).toHaveLength(1);
    const c = set[0];
    expect(Object.keys(c).sort()).toEqual(['assumedRoleUser', 'credentials', 'packedPolicySize', 'roleArn', 'sourceIdentity']);
    expect(c.credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.credentials.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(c.credentials.sessionToken.length).toBeGreaterThan(100);
    expect(c.credentials.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const exp = new Date(c.credentials.expiration).getTime();
    expect(Math.abs(exp - before.getTime() - 3600_000)).toBeLessThan(5000);
    expect(c.roleArn).toBe(ROLE_ARN);
    expect(c.sourceIdentity).toBe('CN=web1.example.test');
    expect(c.assumedRoleUser.arn).toBe(`arn:aws:sts::123456789012:assumed-role/app-role/${good.serialHex}`);
    expect(c.assumedRoleUser.assumedRoleId).toMatch(new RegExp(`^AROA[A-Z2-7]{17}:${good.serialHex}$`));
    expect(res.json!.subjectArn).toMatch(/^arn:aws:rolesanywhere:us-east-1:123456789012:subject\/[0-9a-f-]{36}$/);
    const session = w.emulator.state.sessions.find((s) => s.accessKeyId === c.credentials.accessKeyId)!;
    expect(session.sessionTags).toMatchObject({
      'x509Subject/CN': 'web1.example.test',
      'x509Issuer/CN': 'Emulator Test Root',
      'x509SAN/DNS': 'web1.example.test',
    });
    expect(JSON.stringify(w.emulator.state)).not.toContain(c.credentials.sessionToken);
  });

  it("accepts the other official client's style (params in body, x-amz-json-1.0, real Host)", async () => {
    const res = await call(good, { style: 'body', host: 'rolesanywhere.us-east-1.amazonaws.com' });
    expect(res.status).toBe(201);
  });

  it('accepts a leaf issued by an intermediate sent in X-Amz-X509-Chain', async () => {
    const inter = makeIntermediateCa(join(w.dir, 'inter'), 'Emulator Test Intermediate', w.root);
    const leaf = makeLeaf(inter, { cn: 'deep.example.test' });
    expect((await call(leaf, { chainPems: [inter.certPem] })).status).toBe(201);
    expectRefusal(await call(leaf), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'untrusted_chain');
  });

  it('records the subject with last-seen time', () => {
    const subj = w.emulator.state.subjects.find((s) => s.x509Subject.startsWith('CN=web1.example.test'))!;
    expect(subj.credentials.some((c) => c.serialNumber === BigInt(`0x${good.serialHex}`).toString() && !c.failed)).toBe(true);
    expect(new Date(subj.lastSeenAt).getTime()).toBeGreaterThan(0);
  });
});

describe('CreateSession refusals', () => {
  it('bad signature', async () => {
    expectRefusal(await call(good, { corruptSignature: true }), 403, 'AccessDeniedException', 'Invalid signature', 'bad_signature');
  });

  it('tampered body', async () => {
    const res = await call(good, { tamperBody: (b) => b.replace('3600', '3599') });
    expectRefusal(res, 403, 'AccessDeniedException', 'Invalid signature', 'bad_signature');
  });

  it('stale date (more than 5 minutes old)', async () => {
    const res = await call(good, { date: new Date(w.emulator.clock.now().getTime() - 6 * 60_000) });
    expect(res.status).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(res.json!.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    expect(res.headers[REASON]).toBe('stale_date');
  });

  it('untrusted root', async () => {
    const other = makeRootCa(join(w.dir, 'other-root'), 'Someone Else Root');
    expectRefusal(await call(makeLeaf(other)), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'untrusted_chain');
  });

  it('expired leaf', async () => {
    const leaf = makeLeaf(w.root, { notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) });
    expectRefusal(await call(leaf), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'certificate_expired');
  });

  it('not-yet-valid leaf', async () => {
    const leaf = makeLeaf(w.root, { notBefore: new Date(Date.now() + 3600_000), notAfter: new Date(Date.now() + 7200_000) });
    expectRefusal(await call(leaf), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'certificate_not_yet_valid');
  });

  it('leaf that is a CA', async () => {
    const leaf = makeLeaf(w.root, { ca: true });
    expectRefusal(await call(leaf), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'leaf_is_ca');
  });

  it('leaf without digitalSignature', async () => {
    const leaf = makeLeaf(w.root, { keyUsage: 'critical,keyEncipherment' });
    expectRefusal(await call(leaf, {}), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'leaf_missing_digital_signature');
  });

  it('SHA-1 signed leaf', async () => {
    const leaf = makeLeaf(w.root, { md: 'sha1' });
    expectRefusal(await call(leaf), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'leaf_weak_signature_algorithm');
  });

  it('revoked leaf (CRL imported with the SDK), accepted again when the CRL is disabled', async () => {
    const leaf = makeLeaf(w.root, { cn: 'revoked.example.test' });
    expect((await call(leaf)).status).toBe(201);
    revoke(w.root, leaf.certPath);
    const crl = await w.client.send(
      new ImportCrlCommand({ name: 'root-crl', crlData: new TextEncoder().encode(makeCrl(w.root)), trustAnchorArn: w.trustAnchorArn, enabled: true }),
    );
    expectRefusal(await call(leaf), 403, 'AccessDeniedException', 'Certificate revoked', 'certificate_revoked');
    expect((await call(good)).status).toBe(201);
    await w.client.send(new DisableCrlCommand({ crlId: crl.crl!.crlId! }));
    expect((await call(leaf)).status).toBe(201);
  });

  it('disabled trust anchor', async () => {
    await w.client.send(new DisableTrustAnchorCommand({ trustAnchorId: w.trustAnchorId }));
    try {
      expectRefusal(await call(good), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'trust_anchor_disabled');
    } finally {
      await w.client.send(new EnableTrustAnchorCommand({ trustAnchorId: w.trustAnchorId }));
    }
  });

  it('disabled profile', async () => {
    await w.client.send(new DisableProfileCommand({ profileId: w.profileId }));
    try {
      expectRefusal(await call(good), 403, 'AccessDeniedException', 'Profile is disabled', 'profile_disabled');
    } finally {
      await w.client.send(new EnableProfileCommand({ profileId: w.profileId }));
    }
  });

  it('role not in profile', async () => {
    const role = 'arn:aws:iam::123456789012:role/other-role';
    expectRefusal(await call(good, { roleArn: role }), 403, 'AccessDeniedException', `Not authorized to assume role ${role}.`, 'role_not_in_profile');
  });

  it('duration out of range', async () => {
    expectRefusal(
      await call(good, { durationSeconds: 43201 }),
      400,
      'ValidationException',
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
      'duration_out_of_range',
    );
    expectRefusal(
      await call(good, { durationSeconds: 899 }),
      400,
      'ValidationException',
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      'duration_out_of_range',
    );
  });

  it("duration above the role's MaxSessionDuration", async () => {
    await w.client.send(new UpdateProfileCommand({ profileId: w.profileId, durationSeconds: 7200 }));
    try {
      expectRefusal(
        await call(good, { durationSeconds: 7200 }),
        400,
        'ValidationException',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        'duration_exceeds_role_max',
      );
      // The request's lower value wins over the profile's.
      expect((await call(good, { durationSeconds: 1800 })).status).toBe(201);
    } finally {
      await w.client.send(new UpdateProfileCommand({ profileId: w.profileId, durationSeconds: 3600 }));
    }
  });

  it('role session name not accepted by the profile', async () => {
    expectRefusal(
      await call(good, { roleSessionName: 'my-host' }),
      403,
      'AccessDeniedException',
      'Not authorized to set roleSessionName.',
      'role_session_name_not_accepted',
    );
  });

  it('more than 5 chain certificates', async () => {
    const inter = makeIntermediateCa(join(w.dir, 'inter-6'), 'Six', w.root);
    const leaf = makeLeaf(inter);
    const chain = Array.from({ length: 6 }, () => inter.certPem);
    expectRefusal(await call(leaf, { chainPems: chain }), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'chain_too_long');
    // The leaf itself in the chain header (PKCS#12 / Windows store style) is tolerated.
    expect((await call(leaf, { chainPems: [leaf.certPem, inter.certPem] })).status).toBe(201);
  });

  it('intermediate that is not a CA', async () => {
    const notCa = makeLeaf(w.root, { cn: 'not-a-ca', keyUsage: 'critical,digitalSignature,keyCertSign' });
    const leaf = makeLeaf(issuerFrom(join(w.dir, 'fake-issuer'), 'not-a-ca', notCa.certPath, notCa.keyPath), { cn: 'under-not-ca' });
    expectRefusal(await call(leaf, { chainPems: [notCa.certPem] }), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'intermediate_not_ca');
  });

  it('unknown trust anchor', async () => {
    const missing = w.trustAnchorArn.replace(/[0-9a-f-]{36}$/, '00000000-0000-0000-0000-000000000000');
    expectRefusal(await call(good, { trustAnchorArn: missing }), 403, 'AccessDeniedException', 'Untrusted Signing Certificate', 'trust_anchor_not_found');
  });

  it('wrong region in the credential scope', async () => {
    expectRefusal(await call(good, { region: 'eu-west-1' }), 403, 'AccessDeniedException', 'Invalid signature', 'wrong_region');
  });

  it('certificate attributes that cannot become session tags', async () => {
    const leaf = makeLeaf(w.root, { cn: 'bad#name', san: 'DNS:ok.example.test' });
    expectRefusal(
      await call(leaf),
      403,
      'AccessDeniedException',
      `Unable to assume role for ${ROLE_ARN}. Some attributes failed to be mapped into session tags. Issuer: [  ]; Subject: [ CN ]; SAN: [  ]`,
      'session_tags_unmappable',
    );
  });

  it('failed attempts are recorded on the subject', () => {
    const subj = w.emulator.state.subjects.find((s) => s.x509Subject.startsWith('CN=web1.example.test'))!;
    expect(subj.credentials[0]!.failed).toBe(true);
  });
});
