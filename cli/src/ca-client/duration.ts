/**
 * Durations on the command line (`--ttl 1h`, `--cert-ttl 24h`, `--session-duration 15m`): the
 * contract's grammar (common/src/contract/duration.ts), the one the CA applies to the same
 * field, so that a typo fails here, before the request, and what passes here the CA accepts.
 */
import { checkDuration } from '../../../common/src/contract/duration.js';
import { caClientError } from './errors.js';

/** Seconds in `input` (`90`, `90s`, `15m`, `1h`, `7d`); `duration_invalid` otherwise. */
export function parseDuration(input: string | number): number {
  const r = checkDuration(input);
  if (!r.ok) throw caClientError('duration_invalid', `${r.reason} (use 90, 90s, 15m, 1h, 24h or 7d)`);
  return r.value;
}
