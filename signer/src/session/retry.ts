/**
 * Retry policy of CreateSession: which failures are worth another attempt, and how long to wait.
 *
 * As the AWS SDK standard retryer: network errors, timeouts, 5xx and throttling are retried, with
 * "full jitter" exponential backoff (delay = random(0, min(cap, base * 2^n))), so that many hosts
 * failing together do not retry in lock-step. A 4xx other than throttling is final. TLS verification
 * failures are final too (retrying cannot fix a wrong trust store).
 */
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS } from './constants.js';

/** Delay before attempt `attempt + 1` (attempt counts from 1). `random` returns [0, 1). */
export function backoffDelayMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** True when an HTTP status may succeed on another attempt. */
export function isRetryableStatus(status: number, throttled: boolean): boolean {
  return throttled || status >= 500;
}

/** Sleeps `ms` milliseconds (injected in tests). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
