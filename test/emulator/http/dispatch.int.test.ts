/** One listener, three faces; protocol-level refusals in each face's error format. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';
import { signedCall } from '../helpers/rest-json-signer.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe('dispatch and protocol errors', () => {
  it('unknown control-plane operation → 404 UnknownOperationException', async () => {
    const r = await signedCall(emu.url, 'GET', '/nothing-here');
    expect([r.status, r.headers.get('x-amzn-errortype')]).toEqual([404, 'UnknownOperationException']);
  });

  it('malformed JSON body → 400 SerializationException', async () => {
    const r = await signedCall(emu.url, 'POST', '/trustanchors', { rawBody: '{"name":' });
    expect([r.status, r.headers.get('x-amzn-errortype'), r.json.message]).toEqual([400, 'SerializationException', 'Request body is not valid JSON']);
  });

  it('bodies over 1 MiB are refused before parsing', async () => {
    const r = await signedCall(emu.url, 'POST', '/crls', { rawBody: `{"x":"${'a'.repeat(1024 * 1024)}"}` });
    expect(r.status).toBe(413);
  });

  it('an unsigned POST / is STS and answers awsQuery XML', async () => {
    const res = await fetch(`${emu.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(text).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(text).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
  });

  it('a CreateSession without Authorization is an Invalid signature', async () => {
    const res = await fetch(`${emu.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([res.status, res.headers.get('x-amzn-errortype'), ((await res.json()) as { message: string }).message]).toEqual([
      403,
      'AccessDeniedException',
      'Invalid signature',
    ]);
  });
});
