/**
 * SigV4 URI encoding of one query key or value.
 *
 * Why our own: the official helper uses Go `url.QueryEscape` then replaces `+` by `%20`
 * (aws_signing_helper/signer.go), which equals RFC 3986 §2.3 "unreserved" kept and every other UTF-8 byte
 * as `%XX` upper-case (RFC 3986 §2.1). `encodeURIComponent` keeps `!'()*` and throws on lone
 * surrogates, so it does not fit as is.
 */
export function uriEncode(value: string): string {
  // Fast paths (this runs on every signature): nothing to escape, or the native encoder, which
  // differs only in keeping !'()* and throwing on lone surrogates.
  if (UNRESERVED_ONLY.test(value)) return value;
  if (!LONE_SURROGATE.test(value)) return encodeURIComponent(value).replace(SUB_DELIMS, escapeSubDelim);
  return encodeBytes(value);
}

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SUB_DELIMS = /[!'()*]/g;
const escapeSubDelim = (c: string): string => '%' + c.charCodeAt(0).toString(16).toUpperCase();

/** Byte-wise encoding of the UTF-8 form (lone surrogates become U+FFFD, as Go would send them). */
function encodeBytes(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      byte === 0x2d ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x7e // - _ . ~
    ) {
      out += String.fromCharCode(byte);
    } else {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}
