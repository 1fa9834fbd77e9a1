/**
 * Operations and fields the 3.332 SDK lacks, sent as hand-signed restJson1 requests:
 * Put/ResetNotificationSettings, Put/DeleteAttributeMapping, acceptRoleSessionName.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLeaf, type TestLeaf } from '../../support/emulator-pki.js';
import { makeWorld, ROLE_ARN, type World } from '../helpers/world.js';
import { signedCall } from '../helpers/rest-json-signer.js';
import { sendCreateSession } from '../helpers/x509-request-signer.js';

let w: World;
let leaf: TestLeaf;
beforeAll(async () => {
  w = await makeWorld();
  leaf = makeLeaf(w.root, {
    cn: 'mapped.example.test',
    extraSubject: '/OU=Security/OU=Engineering',
    san: 'DNS:mapped.example.test,URI:spiffe://example.test/app',
  });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('notification settings', () => {
  it('PutNotificationSettings overrides one event; ResetNotificationSettings restores the default', async () => {
    const put = await signedCall(w.emulator.url, 'PATCH', '/put-notifications-settings', {
      body: {
        trustAnchorId: w.trustAnchorId,
        notificationSettings: [{ enabled: true, event: 'END_ENTITY_CERTIFICATE_EXPIRY', threshold: 10, channel: 'ALL' }],
      },
    });
    expect(put.status).toBe(200);
    expect(put.json.trustAnchor.notificationSettings).toEqual([
      { enabled: true, event: 'CA_CERTIFICATE_EXPIRY', threshold: 45, channel: 'ALL', configuredBy: 'rolesanywhere.amazonaws.com' },
      { enabled: true, event: 'END_ENTITY_CERTIFICATE_EXPIRY', threshold: 10, channel: 'ALL', configuredBy: '123456789012' },
    ]);
    const bad = await signedCall(w.emulator.url, 'PATCH', '/put-notifications-settings', {
      body: { trustAnchorId: w.trustAnchorId, notificationSettings: [{ enabled: true, event: 'END_ENTITY_CERTIFICATE_EXPIRY', threshold: 361 }] },
    });
    expect([bad.status, bad.headers.get('x-amzn-errortype'), bad.json.message]).toEqual([
      400,
      'ValidationException',
      "1 validation error detected: Value '361' at 'notificationSettings.1.member.threshold' failed to satisfy constraint: Member must have value less than or equal to 360",
    ]);
    const reset = await signedCall(w.emulator.url, 'PATCH', '/reset-notifications-settings', {
      body: { trustAnchorId: w.trustAnchorId, notificationSettingKeys: [{ event: 'END_ENTITY_CERTIFICATE_EXPIRY', channel: 'ALL' }] },
    });
    expect(reset.status).toBe(200);
    expect(reset.json.trustAnchor.notificationSettings[1]).toEqual({
      enabled: true,
      event: 'END_ENTITY_CERTIFICATE_EXPIRY',
      threshold: 45,
      channel: 'ALL',
      configuredBy: 'rolesanywhere.amazonaws.com',
    });
    const missing = await signedCall(w.emulator.url, 'PATCH', '/reset-notifications-settings', {
      body: { trustAnchorId: '00000000-0000-0000-0000-000000000000', notificationSettingKeys: [] },
    });
    expect([missing.status, missing.headers.get('x-amzn-errortype')]).toEqual([404, 'ResourceNotFoundException']);
  });

  it('CreateTrustAnchor accepts notificationSettings (current model)', async () => {
    const res = await signedCall(w.emulator.url, 'POST', '/trustanchors', {
      body: {
        name: 'with-settings',
        source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: w.root.certPem } },
        notificationSettings: [{ enabled: false, event: 'CA_CERTIFICATE_EXPIRY' }],
      },
    });
    expect(res.status).toBe(201);
    expect(res.json.trustAnchor.notificationSettings[0]).toEqual({
      enabled: false,
      event: 'CA_CERTIFICATE_EXPIRY',
      channel: 'ALL',
      configuredBy: '123456789012',
    });
  });
});

describe('attribute mappings and session tags', () => {
  const session = () =>
    sendCreateSession({
      url: w.emulator.url,
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      trustAnchorArn: w.trustAnchorArn,
      profileArn: w.profileArn,
      roleArn: ROLE_ARN,
      date: w.emulator.clock.now(),
    });
  const tagsOf = (accessKeyId: string) => w.emulator.state.sessions.find((s) => s.accessKeyId === accessKeyId)!.sessionTags;

  it('default mappings give subject, issuer, first DNS and URI SAN (multi-valued RDNs joined with /)', async () => {
    const res = await session();
    expect(res.status).toBe(201);
    expect(tagsOf(res.json!.credentialSet[0].credentials.accessKeyId)).toEqual({
      'x509Subject/CN': 'mapped.example.test',
      'x509Subject/O': 'rapki tests',
      'x509Subject/OU': 'Security/Engineering',
      'x509Issuer/CN': 'Emulator Test Root',
      'x509Issuer/O': 'rapki tests',
      'x509SAN/DNS': 'mapped.example.test',
      'x509SAN/URI': 'spiffe://example.test/app',
    });
  });

  it('PutAttributeMapping narrows a field; DeleteAttributeMapping removes specifiers or the field', async () => {
    const put = await signedCall(w.emulator.url, 'PUT', `/profiles/${w.profileId}/mappings`, {
      body: { certificateField: 'x509Subject', mappingRules: [{ specifier: 'CN' }] },
    });
    expect(put.status).toBe(200);
    expect(put.json.profile.attributeMappings).toContainEqual({ certificateField: 'x509Subject', mappingRules: [{ specifier: 'CN' }] });
    const del = await signedCall(w.emulator.url, 'DELETE', `/profiles/${w.profileId}/mappings`, {
      query: { certificateField: 'x509SAN', specifiers: ['URI'] },
    });
    expect(del.status).toBe(200);
    expect(del.json.profile.attributeMappings).toContainEqual({ certificateField: 'x509SAN', mappingRules: [{ specifier: 'DNS' }, { specifier: 'Name/*' }] });
    const delIssuer = await signedCall(w.emulator.url, 'DELETE', `/profiles/${w.profileId}/mappings`, { query: { certificateField: 'x509Issuer' } });
    expect(delIssuer.json.profile.attributeMappings.map((m: { certificateField: string }) => m.certificateField)).toEqual(['x509SAN', 'x509Subject']);
    const res = await session();
    expect(tagsOf(res.json!.credentialSet[0].credentials.accessKeyId)).toEqual({
      'x509Subject/CN': 'mapped.example.test',
      'x509SAN/DNS': 'mapped.example.test',
    });
    const bad = await signedCall(w.emulator.url, 'PUT', `/profiles/${w.profileId}/mappings`, { body: { certificateField: 'x509Foo', mappingRules: [] } });
    expect([bad.status, bad.json.message]).toEqual([
      400,
      "1 validation error detected: Value 'x509Foo' at 'certificateField' failed to satisfy constraint: Member must satisfy enum value set: [x509Subject, x509Issuer, x509SAN]",
    ]);
  });
});

describe('acceptRoleSessionName', () => {
  it('CreateProfile/UpdateProfile carry it; a named session then gets that name', async () => {
    const created = await signedCall(w.emulator.url, 'POST', '/profiles', {
      body: { name: 'named', roleArns: [ROLE_ARN], enabled: true, acceptRoleSessionName: true },
    });
    expect(created.status).toBe(201);
    expect(created.json.profile.acceptRoleSessionName).toBe(true);
    const profileArn = created.json.profile.profileArn as string;
    const call = (name: string) =>
      sendCreateSession({
        url: w.emulator.url,
        certPem: leaf.certPem,
        keyPem: leaf.keyPem,
        trustAnchorArn: w.trustAnchorArn,
        profileArn,
        roleArn: ROLE_ARN,
        roleSessionName: name,
        date: w.emulator.clock.now(),
      });
    const ok = await call('build-agent-7');
    expect(ok.status).toBe(201);
    expect(ok.json!.credentialSet[0].assumedRoleUser.arn).toBe('arn:aws:sts::123456789012:assumed-role/app-role/build-agent-7');
    const invalid = await call('bad name!');
    expect([invalid.status, invalid.headers['x-amzn-errortype'], invalid.headers['x-rapki-emulator-reason']]).toEqual([
      400,
      'ValidationException',
      'invalid_role_session_name',
    ]);
    const off = await signedCall(w.emulator.url, 'PATCH', `/profile/${created.json.profile.profileId}`, { body: { acceptRoleSessionName: false } });
    expect(off.json.profile.acceptRoleSessionName).toBe(false);
    const refused = await call('build-agent-7');
    expect([refused.status, refused.json!.message]).toEqual([403, 'Not authorized to set roleSessionName.']);
  });
});
