/** Control-plane requests must carry a valid SigV4 (HMAC) signature. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListTrustAnchorsCommand, RolesAnywhereClient } from '@aws-sdk/client-rolesanywhere';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';
import { signedCall, TEST_CREDENTIALS, type SignedCall } from '../helpers/rest-json-signer.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ iamCredentials: [TEST_CREDENTIALS] });
});
afterAll(async () => {
  await emu?.close();
});

const status = (r: SignedCall) => [r.status, r.headers.get('x-amzn-errortype'), r.json.message];

describe('control-plane authentication with --iam-credentials', () => {
  it('accepts the configured key through the SDK', async () => {
    const c = new RolesAnywhereClient({ endpoint: emu.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    expect((await c.send(new ListTrustAnchorsCommand({}))).trustAnchors).toEqual([]);
    c.destroy();
  });

  it('refuses a missing signature', async () => {
    const res = await fetch(`${emu.url}/trustanchors`);
    expect([res.status, res.headers.get('x-amzn-errortype'), ((await res.json()) as { message: string }).message]).toEqual([
      403,
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
    ]);
  });

  it('refuses a wrong secret', async () => {
    const r = await signedCall(emu.url, 'GET', '/trustanchors', { credentials: { ...TEST_CREDENTIALS, secretAccessKey: 'wrong' } });
    expect(status(r)).toEqual([
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ]);
  });

  it('refuses an unknown key id', async () => {
    const r = await signedCall(emu.url, 'GET', '/trustanchors', { credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } });
    expect(status(r)).toEqual([403, 'UnrecognizedClientException', 'The security token included in the request is invalid.']);
  });

  it('refuses a tampered body', async () => {
    const body = { name: 'tampered', roleArns: [] };
    expect((await signedCall(emu.url, 'POST', '/profiles', { body })).status).toBe(201);
    const r = await signedCall(emu.url, 'POST', '/profiles', { body, tamperBody: (b) => b.replace('tampered', 'tampered2') });
    expect(r.status).toBe(403);
    expect(r.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('refuses another region and a stale date', async () => {
    expect(status(await signedCall(emu.url, 'GET', '/trustanchors', { region: 'eu-west-1' }))).toEqual([
      403,
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'eu-west-1'.",
    ]);
    const old = await signedCall(emu.url, 'GET', '/trustanchors', { date: new Date(Date.now() - 20 * 60_000) });
    expect(old.status).toBe(403);
    expect(old.json.message).toMatch(/^Signature expired: .* - 15 min\.\)$/);
  });
});

describe('without --iam-credentials', () => {
  it('accepts any key id with a well-formed signature but still refuses unsigned requests', async () => {
    const open = await startEmulator();
    try {
      const r = await signedCall(open.url, 'GET', '/trustanchors', { credentials: { accessKeyId: 'AKIAANYTHING', secretAccessKey: 'whatever' } });
      expect(r.status).toBe(200);
      expect((await fetch(`${open.url}/profiles`)).status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
