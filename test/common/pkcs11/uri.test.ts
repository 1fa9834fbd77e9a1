/**
 * RFC 7512 URI parsing: the examples of RFC 7512 §3 (those rapki can honour), percent-encoding,
 * and malformed URIs with their code.
 */
import { describe, expect, it } from 'vitest';
import { formatPkcs11Uri, isPkcs11Uri, parsePkcs11Uri, redactPin } from '../../../common/src/pkcs11/uri.js';
import { PKCS11_ERROR_CODES } from '../../../common/src/pkcs11/errors.js';

function code(text: string): string | undefined {
  try {
    parsePkcs11Uri(text);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('parsePkcs11Uri: RFC 7512 §3 examples', () => {
  it('pkcs11: (everything)', () => {
    expect(parsePkcs11Uri('pkcs11:')).toEqual({});
  });

  it('object and type', () => {
    expect(parsePkcs11Uri('pkcs11:object=my-pubkey;type=public')).toEqual({ object: 'my-pubkey', type: 'public' });
  });

  it('pin-source file: URI', () => {
    expect(parsePkcs11Uri('pkcs11:object=my-key;type=private?pin-source=file:/etc/token')).toEqual({
      object: 'my-key',
      type: 'private',
      pinSource: 'file:/etc/token',
    });
  });

  it('token, manufacturer, model, object, type, id (percent-encoded bytes), empty serial', () => {
    const u = parsePkcs11Uri(
      'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin',
    );
    expect(u.token).toBe('The Software PKCS#11 Softtoken');
    expect(u.manufacturer).toBe('Snake Oil, Inc.');
    expect(u.model).toBe('1.0');
    expect(u.object).toBe('my-certificate');
    expect(u.type).toBe('cert');
    expect(Buffer.from(u.id!).toString('hex')).toBe('69953e5cf4bdec91');
    expect(u.serial).toBe('');
    expect(u.pinSource).toBe('file:/etc/token_pin');
  });

  it('module-name and module-path', () => {
    expect(parsePkcs11Uri('pkcs11:object=my-sign-key;type=private?module-name=mypkcs11').moduleName).toBe('mypkcs11');
    expect(parsePkcs11Uri('pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1').modulePath).toBe('/mnt/libmypkcs11.so.1');
  });

  it('pin-value', () => {
    const u = parsePkcs11Uri('pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin');
    expect(u).toEqual({ token: 'Software PKCS#11 softtoken', manufacturer: 'Snake Oil, Inc.', pinValue: 'the-pin' });
  });

  it('slot-description, library-* and library-version', () => {
    expect(parsePkcs11Uri('pkcs11:slot-description=Sun%20Metaslot').slotDescription).toBe('Sun Metaslot');
    const u = parsePkcs11Uri('pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23');
    expect(u.libraryManufacturer).toBe('Snake Oil, Inc.');
    expect(u.libraryDescription).toBe('Soft Token Library');
    expect(u.libraryVersion).toEqual({ major: 1, minor: 23 });
  });

  it('mixed-case hex escapes in id, % in a label, major-only library-version', () => {
    const u = parsePkcs11Uri('pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;id=%01%02%03%Ba%dd%Ef%fe%BA%DD%EF%FE?pin-value=123');
    expect(u.token).toBe('My token% created by Joe');
    expect(u.libraryVersion).toEqual({ major: 3, minor: 0 });
    expect(Buffer.from(u.id!).toString('hex')).toBe('010203baddeffebaddeffe');
    expect(u.pinValue).toBe('123');
  });

  it('escaped ; and % inside a value, and UTF-8 (á)', () => {
    expect(parsePkcs11Uri('pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert').token).toBe('A name with a substring %;');
    expect(parsePkcs11Uri('pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert').token).toBe(
      'Name with a small A with acute: á',
    );
  });

  it('vendor query attributes are ignored; vendor path attributes are refused (they would narrow the match)', () => {
    expect(parsePkcs11Uri('pkcs11:token=my-token;object=my-certificate;type=cert?pin-source=file:/etc/token&vendor-bbb=value-b')).toEqual({
      token: 'my-token',
      object: 'my-certificate',
      type: 'cert',
      pinSource: 'file:/etc/token',
    });
    expect(code('pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a')).toBe('invalid_pkcs11_uri');
  });

  it('scheme is case-insensitive; slot-id is a number', () => {
    expect(isPkcs11Uri('PKCS11:object=x')).toBe(true);
    expect(isPkcs11Uri('/etc/key.pem')).toBe(false);
    expect(parsePkcs11Uri('PKCS11:slot-id=42').slotId).toBe(42);
  });
});

describe('parsePkcs11Uri: malformed URIs → invalid_pkcs11_uri', () => {
  it.each([
    ['not a pkcs11 URI', 'file:/etc/key.pem'],
    ['bad percent-escape', 'pkcs11:object=a%2'],
    ['non-hex escape', 'pkcs11:object=a%zz'],
    ['raw space', 'pkcs11:object=my key'],
    ['raw / in the path', 'pkcs11:object=a/b'],
    ['attribute without =', 'pkcs11:object'],
    ['empty attribute name', 'pkcs11:=x'],
    ['unknown path attribute (typo)', 'pkcs11:lable=x'],
    ['repeated attribute', 'pkcs11:object=a;object=b'],
    ['repeated query attribute', 'pkcs11:object=a?pin-value=1&pin-value=2'],
    ['bad type', 'pkcs11:type=key'],
    ['bad slot-id', 'pkcs11:slot-id=0x10'],
    ['bad library-version', 'pkcs11:library-version=1.2.3'],
    ['fragment', 'pkcs11:object=a#frag'],
    ['invalid UTF-8 in a label', 'pkcs11:object=%ff%fe'],
    ['pin-value with pin-source', 'pkcs11:object=a?pin-value=1&pin-source=/p'],
    ['too long', `pkcs11:object=${'a'.repeat(5000)}`],
  ])('%s', (_why, text) => {
    expect(code(text)).toBe('invalid_pkcs11_uri');
  });

  it('the code is in the PKCS#11 table and messages never echo pin-value', () => {
    expect(PKCS11_ERROR_CODES.invalid_pkcs11_uri).toBeTruthy();
    let msg = '';
    try {
      parsePkcs11Uri('pkcs11:object=a;bogus=1?pin-value=s3cret-pin');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('bogus');
    expect(msg).not.toContain('s3cret-pin');
    expect(redactPin('pkcs11:a=b?x=1&pin-value=s3cret&y=2')).toBe('pkcs11:a=b?x=1&pin-value=***&y=2');
  });
});

describe('formatPkcs11Uri', () => {
  it('round-trips through parse, percent-encodes id bytes and special characters, never writes pin-value', () => {
    const u = parsePkcs11Uri('pkcs11:token=My%20token%25;object=a%3Bb;type=private;id=%01%ff?pin-value=123&module-path=/usr/lib/x.so');
    const text = formatPkcs11Uri(u);
    expect(text).not.toContain('pin-value');
    expect(text).toContain('id=%01%ff');
    expect(text).toContain('module-path=/usr/lib/x.so');
    const { pinValue: _drop, ...rest } = u;
    expect(parsePkcs11Uri(text)).toEqual(rest);
  });
});
