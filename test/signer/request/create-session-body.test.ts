import { describe, expect, it } from 'vitest';
import { createSessionBody } from '../../../signer/src/request/create-session-body.js';

describe('createSessionBody', () => {
  it('writes durationSeconds only when there is no session name', () => {
    expect(createSessionBody(3600)).toBe('{"durationSeconds":3600}');
    expect(createSessionBody(900, '')).toBe('{"durationSeconds":900}');
  });
  it('appends roleSessionName after durationSeconds', () => {
    expect(createSessionBody(3600, 'my-host')).toBe('{"durationSeconds":3600,"roleSessionName":"my-host"}');
  });
  it('escapes the name as JSON', () => {
    expect(createSessionBody(3600, 'a"b')).toBe('{"durationSeconds":3600,"roleSessionName":"a\\"b"}');
  });
  it('refuses a non-integer duration', () => {
    expect(() => createSessionBody(1.5)).toThrow(TypeError);
  });
});
