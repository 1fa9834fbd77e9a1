/** Every preflight error, each from a certificate or input that openssl/the test made to have exactly that defect. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflight } from '../../../signer/src/preflight/preflight.js';
import type { SessionInputToCheck } from '../../../signer/src/preflight/check-session-input.js';
import { certDer, genKey, issueCert, makePki, makeTempDir, removeTempDir, type TestPki } from '../../support/openssl.js';

const GOOD: SessionInputToCheck = {
  trustAnchorArn: 'arn:aws:rolesanywhere:us-east-2:123456789012:trust-anchor/a545a1fc-5d86-4032-8f4c-61cdd6ff92da',
  profileArn: 'arn:aws:rolesanywhere:us-east-2:123456789012:profile/6f4943fb-13d4-4242-89c4-be367595c380',
  roleArn: 'arn:aws:iam::123456789012:role/rolesanywhere1',
  durationSeconds: 3600,
};

let dir: string;
let pki: TestPki;
let key: string;
const der: Record<string, Uint8Array> = {};
const now = (): Date => new Date();

beforeAll(async () => {
  dir = await makeTempDir();
  pki = await makePki(dir, 2);
  key = await genKey(dir, 'leaf.key', 'ec:P-256');
  const rsaKey = await genKey(dir, 'rsa.key', 'rsa:2048');
  const issuer = pki.issuer;
  const make = async (name: string, o: Parameters<typeof issueCert>[3], k = key): Promise<void> => {
    der[name] = await certDer(dir, await issueCert(dir, name, k, o));
  };
  await Promise.all([
    make('good', { issuer }),
    make('short', { issuer, days: 1 }),
    make('noDs', { issuer, profile: 'leaf-no-digital-signature' }),
    make('noKu', { issuer, profile: 'leaf-no-key-usage' }),
    make('ca', { issuer, profile: 'leaf-ca-true' }),
    make('v1', { issuer, profile: 'v1' }),
    make('sha1', { issuer, digest: 'sha1' }),
    make('md5', { digest: 'md5' }, rsaKey),
    make('emptySubject', { issuer, subject: '/' }),
    make('selfSigned', {}),
  ]);
  der['int2'] = await certDer(dir, pki.intermediates[1]!.cert);
  der['int1'] = await certDer(dir, pki.intermediates[0]!.cert);
  der['root'] = await certDer(dir, pki.root.cert);
  // An intermediate signed with SHA-1 by the root.
  const weakIntKey = await genKey(dir, 'weak-int.key', 'ec:P-256');
  const weakInt = await issueCert(dir, 'weak-int', weakIntKey, { issuer: pki.root, profile: 'ca', digest: 'sha1' });
  der['weakInt'] = await certDer(dir, weakInt);
  const shortIntKey = await genKey(dir, 'short-int.key', 'ec:P-256');
  const shortInt = await issueCert(dir, 'short-int', shortIntKey, { issuer: pki.root, profile: 'ca', days: 1 });
  der['shortInt'] = await certDer(dir, shortInt);
  der['underShort'] = await certDer(dir, await issueCert(dir, 'under-short', key, { issuer: { cert: shortInt, key: shortIntKey } }));
  der['underWeak'] = await certDer(dir, await issueCert(dir, 'under-weak', key, { issuer: { cert: weakInt, key: weakIntKey } }));
});
afterAll(() => removeTempDir(dir));

function run(cert: string, chain: string[] = [], input: Partial<SessionInputToCheck> = {}, at: Date = now()) {
  return () => preflight({ signer: { certificate: der[cert]!, chain: chain.map((c) => der[c]!) }, input: { ...GOOD, ...input }, now: at });
}
const code = (c: string) => expect.objectContaining({ code: c });

describe('preflight: accepted', () => {
  it('accepts a good leaf with its chain (with or without root) and resolves region and partition', () => {
    expect(run('good', ['int2', 'int1'])()).toMatchObject({ region: 'us-east-2', partition: 'aws' });
    expect(run('good', ['int2', 'int1', 'root'])().region).toBe('us-east-2');
    expect(run('good', ['int2'])().region).toBe('us-east-2');
    expect(run('good')().leaf.serialDecimal).toMatch(/^\d+$/);
  });
  it('lets --region override the ARN region', () => {
    expect(run('good', [], { region: 'eu-west-3' })().region).toBe('eu-west-3');
  });
  it('accepts the duration bounds and other partitions', () => {
    expect(() => run('good', [], { durationSeconds: 900 })()).not.toThrow();
    expect(() => run('good', [], { durationSeconds: 43200 })()).not.toThrow();
    const gov = {
      trustAnchorArn: GOOD.trustAnchorArn.replace('arn:aws:', 'arn:aws-us-gov:').replace('us-east-2', 'us-gov-west-1'),
      profileArn: GOOD.profileArn.replace('arn:aws:', 'arn:aws-us-gov:').replace('us-east-2', 'us-gov-west-1'),
      roleArn: GOOD.roleArn.replace('arn:aws:', 'arn:aws-us-gov:'),
    };
    expect(run('good', [], gov)()).toMatchObject({ region: 'us-gov-west-1', partition: 'aws-us-gov' });
  });
});

describe('preflight: one code per problem', () => {
  it('certificate_expired and certificate_not_yet_valid (clock injected)', () => {
    const in3days = new Date(Date.now() + 3 * 86400_000);
    const ago = new Date(Date.now() - 86400_000);
    expect(run('short', [], {}, in3days)).toThrow(code('certificate_expired'));
    expect(run('short', [], {}, ago)).toThrow(code('certificate_not_yet_valid'));
    expect(run('short', [], {}, in3days)).toThrow(/renew/);
  });
  it('an expired intermediate is reported too, naming it', () => {
    const in3days = new Date(Date.now() + 3 * 86400_000);
    expect(run('underShort', ['shortInt'], {}, in3days)).toThrow(code('certificate_expired'));
    expect(run('underShort', ['shortInt'], {}, in3days)).toThrow(/Intermediate #1 expired/);
    expect(() => run('underShort', ['shortInt'])()).not.toThrow();
  });
  it('leaf_missing_digital_signature (keyUsage without it, and no keyUsage at all)', () => {
    expect(run('noDs')).toThrow(code('leaf_missing_digital_signature'));
    expect(run('noKu')).toThrow(code('leaf_missing_digital_signature'));
  });
  it('leaf_is_ca', () => {
    expect(run('ca')).toThrow(code('leaf_is_ca'));
  });
  it('certificate_not_v3', () => {
    expect(run('v1')).toThrow(code('certificate_not_v3'));
  });
  it('certificate_empty_subject', () => {
    expect(run('emptySubject')).toThrow(code('certificate_empty_subject'));
  });
  it('weak_signature_algorithm on the leaf (SHA-1, MD5) and on a chain certificate', () => {
    expect(run('sha1')).toThrow(code('weak_signature_algorithm'));
    expect(run('sha1')).toThrow(/ecdsa-with-SHA1/);
    expect(run('md5')).toThrow(/md5WithRSAEncryption/);
    expect(run('underWeak', ['weakInt'])).toThrow(code('weak_signature_algorithm'));
    expect(run('underWeak', ['weakInt'])).toThrow(/Intermediate #1/);
  });
  it('chain_does_not_link: wrong order, unrelated certificate', () => {
    expect(run('good', ['int1', 'int2'])).toThrow(code('chain_does_not_link'));
    expect(run('good', ['selfSigned'])).toThrow(code('chain_does_not_link'));
    expect(run('good', ['int2', 'root'])).toThrow(code('chain_does_not_link'));
  });
  it('chain_too_long above 5 certificates', () => {
    expect(run('good', ['int2', 'int1', 'root', 'root', 'root', 'root'])).toThrow(code('chain_too_long'));
  });
  it('invalid_arn for each ARN, naming the flag', () => {
    expect(run('good', [], { trustAnchorArn: 'arn:aws:rolesanywhere:us-east-2:123456789012:profile/a545a1fc-5d86-4032-8f4c-61cdd6ff92da' })).toThrow(
      /--trust-anchor-arn/,
    );
    expect(run('good', [], { trustAnchorArn: '' })).toThrow(code('invalid_arn'));
    expect(run('good', [], { profileArn: 'arn:aws:rolesanywhere:us-east-2:123:profile/6f4943fb-13d4-4242-89c4-be367595c380' })).toThrow(/--profile-arn/);
    expect(run('good', [], { roleArn: 'arn:aws:iam:us-east-1:123456789012:role/x' })).toThrow(/--role-arn/);
    expect(run('good', [], { roleArn: 'arn:aws:iam::123456789012:user/x' })).toThrow(code('invalid_arn'));
  });
  it('region_mismatch between trust anchor and profile', () => {
    expect(run('good', [], { profileArn: GOOD.profileArn.replace('us-east-2', 'eu-west-1') })).toThrow(code('region_mismatch'));
  });
  it('invalid_region for a FIPS pseudo-region', () => {
    expect(run('good', [], { region: 'fips-us-east-1' })).toThrow(code('invalid_region'));
  });
  it('duration_invalid outside 900..43200 or not an integer', () => {
    for (const d of [899, 43201, 0, -1, 3600.5, Number.NaN]) {
      expect(run('good', [], { durationSeconds: d })).toThrow(code('duration_invalid'));
    }
  });
  it('invalid_role_session_name', () => {
    expect(run('good', [], { roleSessionName: 'a' })).toThrow(code('invalid_role_session_name'));
    expect(run('good', [], { roleSessionName: 'has space' })).toThrow(code('invalid_role_session_name'));
    expect(run('good', [], { roleSessionName: 'x'.repeat(65) })).toThrow(code('invalid_role_session_name'));
    expect(() => run('good', [], { roleSessionName: 'web-01@corp.example' })()).not.toThrow();
  });
  it('checks inputs before certificates (a typo is reported first)', () => {
    expect(run('sha1', [], { durationSeconds: 10 })).toThrow(code('duration_invalid'));
  });
});
