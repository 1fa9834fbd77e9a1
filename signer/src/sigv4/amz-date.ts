/**
 * `X-Amz-Date` value of an injected instant: `YYYYMMDD'T'HHMMSS'Z'` in UTC, second precision
 * (milliseconds truncated, as Go's `time.Format` does in the official helper). The credential-scope
 * date is `amzDate.slice(0, 8)`.
 */
export function formatAmzDate(now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('formatAmzDate needs a valid Date');
  const year = now.getUTCFullYear();
  if (year < 0 || year > 9999) throw new TypeError('formatAmzDate needs a year between 0 and 9999');
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(year, 4)}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}` + `T${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}Z`;
}
