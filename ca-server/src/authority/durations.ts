/** Durations in requests: a number of seconds or `<n>s|m|h|d`. */
import { caError } from '../errors.js';

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds; `invalid_request` if malformed or not positive. */
export function parseDurationSeconds(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d{1,9})([smhd])$/.exec(v.trim());
    if (m) {
      const n = Number(m[1]) * UNIT[m[2]!]!;
      if (n > 0) return n;
    }
  }
  throw caError('invalid_request', `${field} must be a positive number of seconds or a duration like 90s, 15m, 1h, 7d.`);
}
