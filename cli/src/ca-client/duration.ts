/**
 * Durations on the command line (`--ttl 1h`, `--cert-ttl 24h`), in the grammar the CA server accepts
 * (docs/ca-api.md: a number of seconds or `<n>s|m|h|d`). Validated here so that a typo fails before
 * the request, then sent as typed.
 */
import { caClientError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in `input` (`90`, `90s`, `15m`, `1h`, `7d`). */
export function parseDuration(input: string | number): number {
  const s = String(input).trim();
  const m = /^(\d{1,9})([smhd]?)$/.exec(s);
  if (!m) throw caClientError('duration_invalid', `not a duration: ${JSON.stringify(s)} (use 90s, 15m, 1h, 24h or 7d)`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
  if (seconds <= 0) throw caClientError('duration_invalid', 'a duration must be positive');
  return seconds;
}
