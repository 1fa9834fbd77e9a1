/**
 * Durations in requests (`ttl`, `certTtl`) and the console's forms: the contract's grammar
 * (common/src/contract/duration.ts), the one the CLI checks its flags with, so that what the CLI
 * sends the CA accepts. `invalid_request` naming the field otherwise.
 */
import { checkDuration, DURATION_FORMS } from '../../../common/src/contract/duration.js';
import { caError } from '../errors.js';

/** Seconds; `invalid_request` if malformed or not positive. */
export function parseDurationSeconds(v: unknown, field: string): number {
  const r = checkDuration(v);
  if (!r.ok) throw caError('invalid_request', `${field} must be ${DURATION_FORMS}.`);
  return r.value;
}
