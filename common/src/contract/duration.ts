/**
 * The grammar of durations in requests and on the command line (`ttl`, `certTtl`, `--ttl 1h`):
 * a positive whole number of seconds (a JSON number, or digits: `90`), or digits with a unit
 * `s`, `m`, `h` or `d` (`90s`, `15m`, `1h`, `7d`). docs/ca-api.md "Transport".
 *
 * One function for the CA (which refuses a request body with `invalid_request`) and the CLI (which
 * refuses a flag with `duration_invalid` before anything is sent): a duration one side takes, the
 * other takes too.
 */
import type { NameCheck } from '../name-policy.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** What a duration looks like, for messages. */
export const DURATION_FORMS = 'a positive number of seconds (90) or a duration like 90s, 15m, 1h, 7d';

/** Seconds of a duration, or why it is not one. */
export function checkDuration(v: unknown): NameCheck<number> {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0 ? { ok: true, value: v } : { ok: false, reason: `${DURATION_FORMS} is needed` };
  if (typeof v !== 'string') return { ok: false, reason: `${DURATION_FORMS} is needed` };
  const m = /^(\d{1,9})([smhd]?)$/.exec(v.trim());
  if (!m) return { ok: false, reason: `${JSON.stringify(v.slice(0, 40))} is not ${DURATION_FORMS}` };
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
  return seconds > 0 ? { ok: true, value: seconds } : { ok: false, reason: 'a duration must be positive' };
}
