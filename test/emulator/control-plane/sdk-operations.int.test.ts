/**
 * The control plane driven by the real @aws-sdk/client-rolesanywhere 3.332 over HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateProfileCommand,
  CreateTrustAnchorCommand,
  DeleteCrlCommand,
  DeleteProfileCommand,
  DeleteTrustAnchorCommand,
  DisableProfileCommand,
  EnableCrlCommand,
  GetCrlCommand,
  GetProfileCommand,
  GetSubjectCommand,
  GetTrustAnchorCommand,
  ImportCrlCommand,
  ListCrlsCommand,
  ListProfilesCommand,
  ListSubjectsCommand,
  ListTagsForResourceCommand,
  ListTrustAnchorsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateCrlCommand,
  UpdateProfileCommand,
  UpdateTrustAnchorCommand,
  type RolesAnywhereClient,
} from '@aws-sdk/client-rolesanywhere';
import { makeCrl, makeIntermediateCa, makeLeaf, makeRootCa, type TestCa } from '../../support/emulator-pki.js';
import { makeWorld, ROLE_ARN, sdkClient, type World } from '../helpers/world.js';
import { sendCreateSession } from '../helpers/x509-request-signer.js';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';

let w: World;
let c: RolesAnywhereClient;
let inter: TestCa;

const bundle = (pem: string) => ({ sourceType: 'CERTIFICATE_BUNDLE' as const, sourceData: { x509CertificateData: pem } });

async function expectError(p: Promise<unknown>, name: string, status: number, message: string | RegExp) {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  expect(err, 'expected the call to fail').toBeDefined();
  expect(err!.name).toBe(name);
  expect(err!.$metadata?.httpStatusCode).toBe(status);
  if (typeof message === 'string') expect(err!.message).toBe(message);
  else expect(err!.message).toMatch(message);
}

beforeAll(async () => {
  w = await makeWorld();
  c = w.client;
  inter = makeIntermediateCa(join(w.dir, 'inter'), 'CP Intermediate', w.root);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('trust anchors', () => {
  it('create/get/update/list/delete with the SDK, RFC 3339 dates and default notification settings', async () => {
    const created = await c.send(
      new CreateTrustAnchorCommand({ name: 'two certs', source: bundle(w.root.certPem + inter.certPem), tags: [{ key: 'team', value: 'infra' }] }),
    );
    const ta = created.trustAnchor!;
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(ta.trustAnchorArn).toBe(`arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/${ta.trustAnchorId}`);
    expect(ta.enabled).toBe(false);
    expect(ta.createdAt).toBeInstanceOf(Date);
    const raw = w.emulator.state.trustAnchors.find((t) => t.trustAnchorId === ta.trustAnchorId)!;
    expect(raw.notificationSettings).toEqual([
      { enabled: true, event: 'CA_CERTIFICATE_EXPIRY', threshold: 45, channel: 'ALL', configuredBy: 'rolesanywhere.amazonaws.com' },
      { enabled: true, event: 'END_ENTITY_CERTIFICATE_EXPIRY', threshold: 45, channel: 'ALL', configuredBy: 'rolesanywhere.amazonaws.com' },
    ]);
    const got = await c.send(new GetTrustAnchorCommand({ trustAnchorId: ta.trustAnchorId }));
    expect(got.trustAnchor!.source!.sourceData).toEqual({ x509CertificateData: w.root.certPem + inter.certPem });
    const upd = await c.send(new UpdateTrustAnchorCommand({ trustAnchorId: ta.trustAnchorId, name: 'renamed' }));
    expect(upd.trustAnchor!.name).toBe('renamed');
    const tags = await c.send(new ListTagsForResourceCommand({ resourceArn: ta.trustAnchorArn }));
    expect(tags.tags).toEqual([{ key: 'team', value: 'infra' }]);
    const del = await c.send(new DeleteTrustAnchorCommand({ trustAnchorId: ta.trustAnchorId }));
    expect(del.trustAnchor!.name).toBe('renamed');
    await expectError(c.send(new GetTrustAnchorCommand({ trustAnchorId: ta.trustAnchorId! })), 'ResourceNotFoundException', 404, 'Trust anchor not found');
  });

  it('refuses bad names, ids, non-CA certificates and more than 2 certificates', async () => {
    await expectError(
      c.send(new CreateTrustAnchorCommand({ name: 'bad/name', source: bundle(w.root.certPem) })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'bad/name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[ a-zA-Z0-9\\-_]*$",
    );
    await expectError(
      c.send(new CreateTrustAnchorCommand({ name: 'three', source: bundle(w.root.certPem + inter.certPem + w.root.certPem) })),
      'ValidationException',
      400,
      'A trust anchor certificate bundle can contain at most 2 certificates',
    );
    await expectError(
      c.send(new CreateTrustAnchorCommand({ name: 'leaf', source: bundle(makeLeaf(w.root).certPem) })),
      'ValidationException',
      400,
      'Incorrect basic constraints',
    );
    await expectError(
      c.send(new GetTrustAnchorCommand({ trustAnchorId: 'not-a-uuid' })),
      'ValidationException',
      400,
      /at 'trustAnchorId' failed to satisfy constraint/,
    );
  });

  it('paginates with nextToken and pageSize and refuses a foreign token', async () => {
    for (let i = 0; i < 4; i++) await c.send(new CreateTrustAnchorCommand({ name: `page-${i}`, source: bundle(w.root.certPem) }));
    const all = (await c.send(new ListTrustAnchorsCommand({}))).trustAnchors!.map((t) => t.name);
    expect(all.length).toBe(5);
    const p1 = await c.send(new ListTrustAnchorsCommand({ pageSize: 2 }));
    expect(p1.trustAnchors!.length).toBe(2);
    expect(p1.nextToken).toBeTruthy();
    const p2 = await c.send(new ListTrustAnchorsCommand({ pageSize: 2, nextToken: p1.nextToken }));
    const p3 = await c.send(new ListTrustAnchorsCommand({ pageSize: 2, nextToken: p2.nextToken }));
    expect(p3.nextToken).toBeUndefined();
    expect([...p1.trustAnchors!, ...p2.trustAnchors!, ...p3.trustAnchors!].map((t) => t.name)).toEqual(all);
    await expectError(c.send(new ListProfilesCommand({ nextToken: p1.nextToken })), 'ValidationException', 400, 'Invalid pagination token');
    await expectError(c.send(new ListTrustAnchorsCommand({ pageSize: 0 })), 'ValidationException', 400, /at 'pageSize'/);
  });

  it('allows at most 50 trust anchors', async () => {
    const emu = await startEmulator();
    const cl = sdkClient(emu.url);
    try {
      for (let i = 0; i < 50; i++) await cl.send(new CreateTrustAnchorCommand({ name: `ta${i}`, source: bundle(w.root.certPem) }));
      await expectError(
        cl.send(new CreateTrustAnchorCommand({ name: 'one-too-many', source: bundle(w.root.certPem) })),
        'ValidationException',
        400,
        'Cannot create more than 50 trust anchors in this account and region',
      );
    } finally {
      cl.destroy();
      await emu.close();
    }
  });
});

describe('profiles', () => {
  it('create/get/update/disable/delete with defaults of the current model', async () => {
    const p = (await c.send(new CreateProfileCommand({ name: 'p2', roleArns: [ROLE_ARN] }))).profile!;
    expect(p.durationSeconds).toBe(3600);
    expect(p.enabled).toBe(false);
    expect(p.managedPolicyArns).toEqual([]);
    const raw = w.emulator.state.profiles.find((x) => x.profileId === p.profileId)!;
    expect(raw.acceptRoleSessionName).toBe(false);
    expect(raw.attributeMappings.map((m) => m.certificateField)).toEqual(['x509Subject', 'x509Issuer', 'x509SAN']);
    const u = await c.send(new UpdateProfileCommand({ profileId: p.profileId, durationSeconds: 900, name: 'p2b' }));
    expect([u.profile!.durationSeconds, u.profile!.name]).toEqual([900, 'p2b']);
    expect((await c.send(new DisableProfileCommand({ profileId: p.profileId }))).profile!.enabled).toBe(false);
    expect((await c.send(new GetProfileCommand({ profileId: p.profileId }))).profile!.name).toBe('p2b');
    await c.send(new DeleteProfileCommand({ profileId: p.profileId }));
    await expectError(c.send(new GetProfileCommand({ profileId: p.profileId! })), 'ResourceNotFoundException', 404, 'Profile not found');
    expect((await c.send(new ListProfilesCommand({}))).profiles!.map((x) => x.name)).toEqual(['test-profile']);
  });

  it('refuses roles of another account, durations out of range and missing roleArns', async () => {
    await expectError(
      c.send(new CreateProfileCommand({ name: 'x', roleArns: ['arn:aws:iam::999999999999:role/r'] })),
      'ValidationException',
      400,
      'Role arn:aws:iam::999999999999:role/r does not belong to account 123456789012',
    );
    await expectError(
      c.send(new CreateProfileCommand({ name: 'x', roleArns: [ROLE_ARN], durationSeconds: 43201 })),
      'ValidationException',
      400,
      "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
    await expectError(
      c.send(new CreateProfileCommand({ name: 'x', roleArns: ['arn:aws:s3:::bucket'] })),
      'ValidationException',
      400,
      /at 'roleArns.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
  });
});

describe('CRLs', () => {
  it('import (base64 of PEM), get, update, list, enable, delete; at most 2 per anchor', async () => {
    const pem = makeCrl(w.root);
    const crl = (await c.send(new ImportCrlCommand({ name: 'crl1', crlData: Buffer.from(pem), trustAnchorArn: w.trustAnchorArn }))).crl!;
    expect(crl.enabled).toBe(false);
    expect(crl.crlArn).toBe(`arn:aws:rolesanywhere:us-east-1:123456789012:crl/${crl.crlId}`);
    const got = await c.send(new GetCrlCommand({ crlId: crl.crlId }));
    expect(Buffer.from(got.crl!.crlData!).toString()).toBe(pem);
    expect((await c.send(new EnableCrlCommand({ crlId: crl.crlId }))).crl!.enabled).toBe(true);
    const updated = await c.send(new UpdateCrlCommand({ crlId: crl.crlId, crlData: Buffer.from(makeCrl(w.root)), name: 'crl1b' }));
    expect(updated.crl!.name).toBe('crl1b');
    const second = (await c.send(new ImportCrlCommand({ name: 'crl2', crlData: Buffer.from(pem), trustAnchorArn: w.trustAnchorArn }))).crl!;
    await expectError(
      c.send(new ImportCrlCommand({ name: 'crl3', crlData: Buffer.from(pem), trustAnchorArn: w.trustAnchorArn })),
      'ValidationException',
      400,
      'A trust anchor can have at most 2 CRLs',
    );
    expect((await c.send(new ListCrlsCommand({}))).crls!.map((x) => x.name)).toEqual(['crl1b', 'crl2']);
    await c.send(new DeleteCrlCommand({ crlId: second.crlId }));
    await c.send(new DeleteCrlCommand({ crlId: crl.crlId }));
    expect((await c.send(new ListCrlsCommand({}))).crls).toEqual([]);
  });

  it('refuses DER, oversize and empty CRL data and unknown anchors', async () => {
    const pem = makeCrl(w.root);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    await expectError(
      c.send(new ImportCrlCommand({ name: 'der', crlData: der, trustAnchorArn: w.trustAnchorArn })),
      'ValidationException',
      400,
      'Invalid CRL: crlData must be a PEM-encoded X.509 CRL',
    );
    await expectError(
      c.send(new ImportCrlCommand({ name: 'big', crlData: Buffer.alloc(300_001, 0x41), trustAnchorArn: w.trustAnchorArn })),
      'ValidationException',
      400,
      "1 validation error detected: Value '[300001 bytes]' at 'crlData' failed to satisfy constraint: Member must have length less than or equal to 300000",
    );
    await expectError(
      c.send(new ImportCrlCommand({ name: 'empty', crlData: new Uint8Array(), trustAnchorArn: w.trustAnchorArn })),
      'ValidationException',
      400,
      /at 'crlData' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
    const otherRoot = makeRootCa(join(w.dir, 'crl-other'), 'Other');
    const missing = w.trustAnchorArn.replace(/[0-9a-f-]{36}$/, '00000000-0000-0000-0000-000000000000');
    await expectError(
      c.send(new ImportCrlCommand({ name: 'x', crlData: Buffer.from(makeCrl(otherRoot)), trustAnchorArn: missing })),
      'ValidationException',
      400,
      'Trust anchor not found',
    );
  });
});

describe('tags', () => {
  it('tag, list, untag; unknown resource; more than 200 tags', async () => {
    await c.send(
      new TagResourceCommand({
        resourceArn: w.profileArn,
        tags: [
          { key: 'env', value: 'test' },
          { key: 'owner', value: 'me' },
        ],
      }),
    );
    await c.send(new TagResourceCommand({ resourceArn: w.profileArn, tags: [{ key: 'env', value: 'prod' }] }));
    expect((await c.send(new ListTagsForResourceCommand({ resourceArn: w.profileArn }))).tags).toEqual([
      { key: 'env', value: 'prod' },
      { key: 'owner', value: 'me' },
    ]);
    await c.send(new UntagResourceCommand({ resourceArn: w.profileArn, tagKeys: ['owner'] }));
    expect((await c.send(new ListTagsForResourceCommand({ resourceArn: w.profileArn }))).tags).toEqual([{ key: 'env', value: 'prod' }]);
    const missing = w.profileArn.replace(/[0-9a-f-]{36}$/, '00000000-0000-0000-0000-000000000000');
    await expectError(c.send(new ListTagsForResourceCommand({ resourceArn: missing })), 'ResourceNotFoundException', 404, 'Resource not found');
    const many = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await expectError(
      c.send(new TagResourceCommand({ resourceArn: w.profileArn, tags: many })),
      'TooManyTagsException',
      400,
      `Resource ${w.profileArn} cannot have more than 200 tags`,
    );
    await expectError(
      c.send(new TagResourceCommand({ resourceArn: w.profileArn, tags: [{ key: 'bad#key', value: 'v' }] })),
      'ValidationException',
      400,
      /at 'tags.1.member.key' failed to satisfy constraint/,
    );
  });
});

describe('subjects', () => {
  it('lists subjects seen by CreateSession and returns details with last-seen times', async () => {
    const leaf = makeLeaf(w.root, { cn: 'subject.example.test' });
    const res = await sendCreateSession({
      url: w.emulator.url,
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      trustAnchorArn: w.trustAnchorArn,
      profileArn: w.profileArn,
      roleArn: ROLE_ARN,
      date: w.emulator.clock.now(),
    });
    expect(res.status).toBe(201);
    const list = await c.send(new ListSubjectsCommand({}));
    const s = list.subjects!.find((x) => x.subjectArn === res.json!.subjectArn)!;
    expect(s.x509Subject).toBe('CN=subject.example.test,O=rapki tests');
    expect(s.lastSeenAt).toBeInstanceOf(Date);
    const detail = await c.send(new GetSubjectCommand({ subjectId: s.subjectId }));
    expect(detail.subject!.credentials![0]!.serialNumber).toBe(BigInt(`0x${leaf.serialHex}`).toString());
    expect(detail.subject!.credentials![0]!.failed).toBe(false);
    expect(detail.subject!.credentials![0]!.x509CertificateData).toContain('BEGIN CERTIFICATE');
  });
});

describe('limits that need their own emulator', () => {
  let emu: RunningEmulator;
  afterAll(async () => {
    await emu?.close();
  });
  it('allows at most 250 profiles', async () => {
    emu = await startEmulator();
    const cl = sdkClient(emu.url);
    for (let i = 0; i < 250; i++) await cl.send(new CreateProfileCommand({ name: `p${i}`, roleArns: [ROLE_ARN] }));
    await expectError(
      cl.send(new CreateProfileCommand({ name: 'x', roleArns: [ROLE_ARN] })),
      'ValidationException',
      400,
      'Cannot create more than 250 profiles in this account and region',
    );
    cl.destroy();
  });
});
