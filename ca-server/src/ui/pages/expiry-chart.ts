/**
 * The overview's chart of certificates expiring per day over the next days: plain SVG drawn on
 * the server (no chart library, no script), sized by attributes, coloured by the style sheet,
 * with a text alternative and the same numbers as a table.
 */
import { count } from '../format.js';
import { html, type SafeHtml } from '../html.js';

export interface ExpiryBucket {
  readonly label: string;
  readonly count: number;
}

const W = 720;
const H = 220;
const PAD_L = 48;
const PAD_B = 36;
const PAD_T = 16;

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export function expiryChart(buckets: readonly ExpiryBucket[]): SafeHtml {
  const top = niceMax(Math.max(0, ...buckets.map((b) => b.count)));
  const plotH = H - PAD_B - PAD_T;
  const slot = (W - PAD_L - 8) / Math.max(1, buckets.length);
  const barW = Math.max(4, slot * 0.6);
  const total = buckets.reduce((a, b) => a + b.count, 0);
  const summary = `${count(total)} certificates expire in the next ${buckets.length} days: ${buckets.map((b) => `${b.label}: ${count(b.count)}`).join('; ')}.`;
  const ticks = [0, top / 2, top];
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="expiry-chart-title expiry-chart-desc" preserveAspectRatio="xMidYMid meet">
<title id="expiry-chart-title">Certificates expiring per day</title>
<desc id="expiry-chart-desc">${summary}</desc>
${ticks.map((t) => {
  const y = PAD_T + plotH - (t / top) * plotH;
  return html`<line class="grid" x1="${PAD_L}" x2="${W - 4}" y1="${y}" y2="${y}"></line><text class="axis" x="${PAD_L - 6}" y="${y + 4}" text-anchor="end">${count(t)}</text>`;
})}
${buckets.map((b, i) => {
  const h = (b.count / top) * plotH;
  const x = PAD_L + i * slot + (slot - barW) / 2;
  return html`<rect class="bar" x="${x.toFixed(1)}" y="${(PAD_T + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${b.label}: ${count(b.count)}</title></rect>
<text class="axis" x="${(x + barW / 2).toFixed(1)}" y="${H - PAD_B + 16}" text-anchor="middle">${b.label}</text>
${b.count > 0 ? html`<text class="value" x="${(x + barW / 2).toFixed(1)}" y="${(PAD_T + plotH - h - 4).toFixed(1)}" text-anchor="middle">${count(b.count)}</text>` : ''}`;
})}
</svg>
<figcaption>Unrevoked certificates by when they expire, in 24-hour steps from now. Hosts renew at about two thirds of a lifetime, so a tall first bar is normal; a host that does not renew shows up in it.</figcaption>
</figure>
<details class="numbers"><summary>The numbers</summary>
<table><caption class="visually-hidden">Certificates expiring per day</caption><thead><tr><th scope="col">Expires</th><th scope="col">Certificates</th></tr></thead>
<tbody>${buckets.map((b) => html`<tr><td>${b.label}</td><td>${count(b.count)}</td></tr>`)}</tbody></table></details>`;
}
