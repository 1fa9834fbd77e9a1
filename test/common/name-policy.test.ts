/**
 * The name policy (common/src/name-policy.ts): what a token may bind, so that whatever is accepted
 * can be issued and used with Roles Anywhere, and nothing deceives a reader.
 */
import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkSan, checkSubject } from '../../common/src/name-policy.js';
import { displayText } from '../../common/src/display-text.js';

/** The session-tag pattern the emulator (and STS) hold tag values to. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const refusedSubject = (s: string): string => {
  const r = checkSubject(s);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(s)}`);
  return r.reason;
};

describe('subjects (CN, host name)', () => {
  it.each([
    'web-1',
    'web-1.example.com',
    'Web_1.example:443',
    'svc@host',
    'a=b+c/d',
    'db 1',
    'café',
    'München-Ost',
    'Ελλάδα',
    '서버-1',
    '東京サーバー1',
    'サーバーweb',
    'x'.repeat(64),
  ])('accepts %j, and it is a valid session tag value', (s) => {
    expect(checkSubject(s)).toEqual({ ok: true, value: s });
    expect(TAG_VALUE.test(s)).toBe(true);
  });

  it.each([
    ['bad name!', /"!" \(U\+0021\) is not allowed.*session tag/],
    ['semi;colon', /";"/],
    ['a\u0085b', /U\+0085 is a control character/],
    ['a\u0007b', /U\+0007 is a control character/],
    ['invoice\u202Etxt.exe', /U\+202E is a bidirectional control character/],
    ['a\u2066b', /U\+2066 is a bidirectional control character/],
    ['ab\u200Bcd', /U\+200B is an invisible formatting character/],
    ['ab\u200Dcd', /U\+200D is an invisible formatting character/],
    ['ab\uFEFFcd', /U\+FEFF is an invisible formatting character/],
    ['x\uD800y', /U\+D800 is a lone surrogate/],
    ['x\uDC00', /U\+DC00 is a lone surrogate/],
    ['p\u0430ypal', /mixes letters of Latin and Cyrillic/],
    ['\u0441\u0430fe-web', /mixes letters of Cyrillic and Latin/],
    ['g\u03BFogle', /mixes letters of Latin and Greek/],
    ['\uFF57\uFF45\uFF42', /compatibility form; write "w"/],
    ['\uFB01le', /U\+FB01/],
    ['a\u00A0b', /U\+00A0 is a space other than U\+0020/],
    ['a\u3000b', /U\+3000 is a space other than U\+0020/],
    ['e\u0301', /U\+0301 is a combining mark/],
    ['\u0661\u0662', /U\+0661 is a digit or number other than 0-9/],
    ['x\u00B2', /U\+00B2 is a digit or number other than 0-9/],
    ['a\u02B0', /U\+02B0 is a modifier letter/],
    [' lead', /no spaces at the start or end/],
    ['two  spaces', /no two in a row/],
    ['', /1-64 characters/],
    ['x'.repeat(65), /1-64 characters/],
  ])('refuses %j', (s, why) => {
    expect(refusedSubject(s)).toMatch(why);
  });

  it('refuses a non-string', () => {
    expect(checkSubject(42)).toMatchObject({ ok: false });
  });
});

describe('SANs', () => {
  const ok = (s: string, bareIsDns = false) => {
    const r = checkSan(s, { bareIsDns });
    if (!r.ok) throw new Error(`refused ${JSON.stringify(s)}: ${r.reason}`);
    return `${r.value.type}:${r.value.value}`;
  };
  const no = (s: string): string => {
    const r = checkSan(s);
    if (r.ok) throw new Error(`accepted ${JSON.stringify(s)}`);
    return r.reason;
  };

  it('DNS: LDH, lower case; U-labels become A-labels; A-labels are decoded and checked', () => {
    expect(ok('dns:Web-1.Example.COM')).toBe('dns:web-1.example.com');
    expect(ok('DNS:_acme.example')).toBe('dns:_acme.example');
    expect(ok('dns:bücher.example')).toBe('dns:xn--bcher-kva.example');
    expect(ok('dns:xn--bcher-kva.example')).toBe('dns:xn--bcher-kva.example');
    expect(ok('dns:ＷＥＢ.example')).toBe('dns:web.example'); // UTS #46 width mapping
    expect(ok('web-1.example', true)).toBe('dns:web-1.example');
    const spoof = domainToASCII('p\u0430ypal.example');
    expect(spoof).toMatch(/^xn--/);
    expect(no('dns:p\u0430ypal.example')).toMatch(/mixes letters of Latin and Cyrillic/);
    expect(no(`dns:${spoof}`)).toMatch(/mixes letters of Latin and Cyrillic/);
    for (const bad of [
      'dns:bad name',
      'dns:-x.example',
      'dns:a..b',
      'dns:*.example.com',
      'dns:x.example.',
      'dns:xn--zz.example',
      'dns:ab--cd.example',
      `dns:${'a'.repeat(64)}.example`,
      'dns:a\u202Eb.example',
      'dns:a\u200Bb.example',
    ]) {
      expect(checkSan(bad).ok, bad).toBe(false);
    }
  });

  it('IP: v4 and v6 (RFC 5952 form), no zone index', () => {
    expect(ok('ip:10.0.0.7')).toBe('ip:10.0.0.7');
    expect(ok('ip:2001:DB8:0:0:0:0:0:1')).toBe('ip:2001:db8::1');
    for (const bad of ['ip:fe80::1%eth0', 'ip:1.2.3', 'ip:01.2.3.4', 'ip:host']) expect(checkSan(bad).ok, bad).toBe(false);
  });

  it('URI: ASCII, a scheme, only characters a session tag holds, at most 256', () => {
    expect(ok('uri:spiffe://example.org/ns/prod/sa/web')).toBe('uri:spiffe://example.org/ns/prod/sa/web');
    expect(ok('uri:urn:example:host-1')).toBe('uri:urn:example:host-1');
    expect(no('uri:https://x.example/?a=b')).toMatch(/no %-escapes, \? or #/);
    expect(no('uri:https://x.example/#f')).toMatch(/no %-escapes/);
    expect(no('uri:urn:x:%41')).toMatch(/no %-escapes/);
    expect(no('uri:https://bücher.example/')).toMatch(/must be ASCII/);
    expect(no('uri:no-scheme')).toMatch(/scheme/);
    expect(no(`uri:urn:${'x'.repeat(260)}`)).toMatch(/longer than 256/);
    expect(no('uri:urn:a\u202Eb')).toMatch(/U\+202E/);
  });

  it('e-mail: ASCII local part, domain as A-labels', () => {
    expect(ok('email:ops@example.com')).toBe('email:ops@example.com');
    expect(ok("email:o.p+s'x@Bücher.example")).toBe("email:o.p+s'x@xn--bcher-kva.example");
    expect(no('email:jörg@example.com')).toMatch(/local part must be ASCII/);
    expect(no('email:"a b"@example.com')).toMatch(/local part/);
    expect(no('email:.a@example.com')).toMatch(/local part/);
    expect(no('email:a@bad domain')).toMatch(/domain/);
    expect(no('email:nobody')).toMatch(/local@domain/);
  });

  it('anything else is refused with the forms it could have been', () => {
    expect(no('ftp:x')).toMatch(/dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS/);
    expect(no('web-1.example')).toMatch(/dns:NAME/);
    expect(checkSan(7 as unknown as string).ok).toBe(false);
  });
});

describe('displayText', () => {
  it('escapes controls, bidi, invisible characters, separators and lone surrogates; leaves the rest', () => {
    expect(displayText('invoice\u202Etxt.exe')).toBe('invoice\\u{202E}txt.exe');
    expect(displayText('\u001b[31mred\u001b[0m')).toBe('\\u{001B}[31mred\\u{001B}[0m');
    expect(displayText('a\u0085b\u2028c\u200Bd\uD800e\u0000')).toBe('a\\u{0085}b\\u{2028}c\\u{200B}d\\u{D800}e\\u{0000}');
    expect(displayText('a\tb\nc')).toBe('a\\u{0009}b\\u{000A}c');
    for (const s of ['web-1', 'café', '東京サーバー1', 'a b', 'C:\\x']) expect(displayText(s)).toBe(s);
  });
});
