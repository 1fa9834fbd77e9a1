/** How the console writes times, durations and sizes: UTC, to the minute, with a relative hint. */
import { html, type SafeHtml } from './html.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-01 12:34 UTC`. */
export function utcMinute(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** `3 h`, `2 d`, `45 s` (rounded down, one unit). */
export function span(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.floor(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** `in 3 h` / `3 h ago`. */
export function relative(d: Date, now: Date): string {
  const ms = d.getTime() - now.getTime();
  return ms >= 0 ? `in ${span(ms)}` : `${span(ms)} ago`;
}

/** A `<time>` element with the UTC minute and a relative hint. */
export function timeCell(d: Date | null | undefined, now: Date): SafeHtml {
  if (!d) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}">${utcMinute(d)}</time> <span class="muted">(${relative(d, now)})</span>`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
