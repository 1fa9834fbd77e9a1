/** PIN sources: pin-value, pin-source (path, file: URI), RAPKI_PKCS11_PIN, and their order. */
import { describe, expect, it } from 'vitest';
import { pinSourcePath, resolvePin, type PinIo } from '../../../common/src/pkcs11/pin.js';
import { parsePkcs11Uri } from '../../../common/src/pkcs11/uri.js';

function io(files: Record<string, string>, env: Record<string, string> = {}): PinIo & { reads: string[] } {
  const reads: string[] = [];
  return {
    env,
    reads,
    readFile: async (p) => {
      reads.push(p);
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return Buffer.from(files[p]!);
    },
  };
}

describe('resolvePin', () => {
  it('pin-value of the key URI wins over its certificate URI and the environment', async () => {
    const key = parsePkcs11Uri('pkcs11:object=k?pin-value=1111');
    const cert = parsePkcs11Uri('pkcs11:object=c?pin-value=2222');
    expect(await resolvePin([key, cert], io({}, { RAPKI_PKCS11_PIN: '3333' }))).toBe('1111');
    expect(await resolvePin([undefined, cert], io({}, { RAPKI_PKCS11_PIN: '3333' }))).toBe('2222');
    expect(await resolvePin([parsePkcs11Uri('pkcs11:object=k')], io({}, { RAPKI_PKCS11_PIN: '3333' }))).toBe('3333');
    expect(await resolvePin([parsePkcs11Uri('pkcs11:object=k')], io({}, { RAPKI_PKCS11_PIN: '' }))).toBeUndefined();
  });

  it('pin-source: first line of the file, by path or file: URI (file:/x and file:///x)', async () => {
    const files = { '/run/pin': '4321\nignored second line\n', '/run/crlf': '9876\r\n' };
    expect(await resolvePin([parsePkcs11Uri('pkcs11:?pin-source=/run/pin')], io(files))).toBe('4321');
    expect(await resolvePin([parsePkcs11Uri('pkcs11:?pin-source=file:/run/pin')], io(files))).toBe('4321');
    expect(await resolvePin([parsePkcs11Uri('pkcs11:?pin-source=file:///run/crlf')], io(files))).toBe('9876');
    expect(await resolvePin([parsePkcs11Uri('pkcs11:?pin-source=file:///run/with%20space')], io({ '/run/with space': 'x' }))).toBe('x');
  });

  it('unreadable or oversized pin-source → pkcs11_pin_source_unreadable; other schemes → invalid_pkcs11_uri', async () => {
    await expect(resolvePin([parsePkcs11Uri('pkcs11:?pin-source=/absent')], io({}))).rejects.toMatchObject({ code: 'pkcs11_pin_source_unreadable' });
    await expect(resolvePin([parsePkcs11Uri('pkcs11:?pin-source=/big')], io({ '/big': 'x'.repeat(5000) }))).rejects.toMatchObject({
      code: 'pkcs11_pin_source_unreadable',
    });
    expect(() => pinSourcePath('https://example.com/pin')).toThrow(expect.objectContaining({ code: 'invalid_pkcs11_uri' }));
    expect(pinSourcePath('relative/pin.txt')).toBe('relative/pin.txt');
  });
});
