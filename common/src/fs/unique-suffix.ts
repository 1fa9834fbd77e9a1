/**
 * A name suffix unique on this host: pid, high-resolution time and a counter. For temp and lock
 * files that are created with `O_EXCL` (so a clash fails instead of overwriting) in a private
 * directory — uniqueness is needed, unpredictability is not, and node:crypto stays off the
 * credential-process hit path.
 */
let counter = 0;

export function uniqueSuffix(): string {
  counter = (counter + 1) % 1_000_000;
  return `${process.pid}-${process.hrtime.bigint().toString(36)}-${counter}`;
}
