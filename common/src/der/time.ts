/**
 * X.509 times (RFC 5280 §4.1.2.5 for certificates, §5.1.2.4–5 for CRLs): UTCTime and
 * GeneralizedTime, read and written with one strict rule set.
 *
 * Reading accepts exactly the forms RFC 5280 allows, as Go's `crypto/x509` (which AWS's
 * `aws_signing_helper` uses) does:
 * - UTCTime is `YYMMDDHHMMSSZ` (§4.1.2.5.1): seconds present, `Z`, no offset. YY 50–99 is 19YY,
 *   00–49 is 20YY.
 * - GeneralizedTime is `YYYYMMDDHHMMSSZ` (§4.1.2.5.2): seconds present, `Z`, and no fractional
 *   seconds ("MUST NOT include fractional seconds").
 * - Every field is checked against the calendar: month 01–12, a day that exists in that month
 *   (29 February only in leap years), hour 00–23, minute and second 00–59. `Date.UTC` would
 *   silently roll 30 February over to 2 March.
 * A GeneralizedTime for a year before 2050 is read (RFC 5280 obliges issuers to write UTCTime
 * there, but relying parties such as Go's parser accept it), never written.
 *
 * Writing picks UTCTime for 1950–2049 and GeneralizedTime otherwise, whole seconds, `Z`.
 */
import { DerError, type Tlv } from './reader.js';
import { Tag, tlv } from './writer.js';

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** Parses a UTCTime or GeneralizedTime element by the rules above; throws {@link DerError}. */
export function readTime(bytes: Uint8Array, t: Tlv): Date {
  const text = Buffer.from(bytes.subarray(t.start, t.end)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === Tag.UTC_TIME) {
    m = UTC_TIME.exec(text);
    if (!m) throw new DerError('UTCTime must be YYMMDDHHMMSSZ');
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === Tag.GENERALIZED_TIME) {
    m = GENERALIZED_TIME.exec(text);
    if (!m) throw new DerError('GeneralizedTime must be YYYYMMDDHHMMSSZ');
    year = Number(m[1]);
  } else throw new DerError('UTCTime or GeneralizedTime expected');
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new DerError(`${text} is not a valid date and time`);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // years 0–99 of GeneralizedTime stay what they say
  d.setUTCHours(hour, minute, second, 0);
  return d;
}

/** The UTCTime (1950–2049) or GeneralizedTime element of `date`, whole seconds, `Z`. */
export function encodeTime(date: Date): Uint8Array {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError('invalid date');
  const y = date.getUTCFullYear();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const rest = `${p2(date.getUTCMonth() + 1)}${p2(date.getUTCDate())}${p2(date.getUTCHours())}${p2(date.getUTCMinutes())}${p2(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(Tag.UTC_TIME, Buffer.from(`${p2(y % 100)}${rest}`, 'latin1'));
  if (y < 0 || y > 9999) throw new TypeError('date out of range');
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(`${String(y).padStart(4, '0')}${rest}`, 'latin1'));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
