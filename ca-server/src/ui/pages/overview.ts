/**
 * The Overview page: certificates by status, expiries per day, the CRL against the Roles
 * Anywhere size limit, each trust anchor's CRL sync (last push, the CRL number AWS holds, drift),
 * the rotation phase, and the latest audit records — the link between the CA and Roles Anywhere
 * on one screen.
 */
import type { AuditRecord, CertificateStats } from '../../store/types.js';
import type { SyncState } from '../../sync/crl-sync.js';
import { count, relative, timeCell } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { auditTable } from './audit.js';
import { expiryChart, type ExpiryBucket } from './expiry-chart.js';

export interface CrlView {
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly pemBytes: number;
  readonly limitBytes: number;
  /** Where the CA starts warning (the meter's "high" mark). */
  readonly warnBytes: number;
}

export interface OverviewView {
  readonly stats: CertificateStats;
  readonly buckets: readonly ExpiryBucket[];
  readonly crl: CrlView | undefined;
  /** Undefined for an operator (the API shows CRL sync to admin tokens only). */
  readonly sync: SyncState | undefined;
  /** Rotation phase, and its next step in words; undefined for an operator. */
  readonly rotation: { phase: string; emergency: boolean } | undefined;
  readonly recent: readonly AuditRecord[];
  readonly now: Date;
}

function card(label: string, n: number, href: string, kind: string): SafeHtml {
  return html`<li class="card card-${kind}"><a href="${href}"><span class="card-n">${count(n)}</span> <span class="card-label">${label}</span></a></li>`;
}

function crlBlock(c: CrlView | undefined, now: Date): SafeHtml {
  if (!c) return html`<p class="notice notice-error" role="alert">No CRL has been published yet.</p>`;
  const share = c.pemBytes / c.limitBytes;
  return html`<dl class="facts">
<dt>CRL number</dt><dd>${c.number}</dd>
<dt>Published</dt><dd>${timeCell(c.thisUpdate, now)}</dd>
<dt>Next update</dt><dd>${timeCell(c.nextUpdate, now)}</dd>
<dt><label for="crl-size">Size (PEM)</label></dt>
<dd><meter id="crl-size" min="0" max="${c.limitBytes}" low="${Math.floor(c.limitBytes * 0.75)}" high="${c.warnBytes}" optimum="0" value="${c.pemBytes}">${count(c.pemBytes)} bytes</meter>
${count(c.pemBytes)} of ${count(c.limitBytes)} bytes (${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %) that Roles Anywhere accepts</dd>
</dl>`;
}

function drift(caNumber: number | undefined, pushed: string | undefined): SafeHtml {
  if (caNumber === undefined || pushed === undefined) return html`<span class="muted">unknown</span>`;
  const d = caNumber - Number(pushed);
  if (d === 0) return html`<span class="badge badge-active">in sync</span>`;
  return html`<span class="badge badge-revoked">${d > 0 ? `${d} behind` : `${-d} ahead`}</span>`;
}

function syncBlock(sync: SyncState | undefined, caNumber: number | undefined, now: Date): SafeHtml {
  if (!sync) return html`<p class="muted">Visible to admin tokens only.</p>`;
  if (sync.targets.length === 0) {
    return html`<p>No trust anchor is registered for CRL sync. <code>rapki aws register</code> creates one and registers it here (docs/aws.md).</p>`;
  }
  return html`${sync.alarm ? html`<p class="notice notice-error" role="alert">${sync.alarm.message}</p>` : ''}
<div class="table-wrap" role="region" aria-label="Trust anchors" tabindex="0"><table>
<caption class="visually-hidden">Roles Anywhere trust anchors and their CRL</caption>
<thead><tr><th scope="col">Trust anchor</th><th scope="col">Region</th><th scope="col">Sync</th><th scope="col">Last push</th><th scope="col">CRL number AWS holds</th><th scope="col">Drift</th></tr></thead>
<tbody>${sync.targets.map(
    (t) => html`<tr>
<td class="arn"><code>${t.trustAnchorArn}</code></td>
<td>${t.region}</td>
<td><span class="badge badge-sync-${t.status}">${t.status.replace('_', ' ')}</span>${
      t.lastError ? html`<div class="muted small">${t.lastError.code}: ${t.lastError.message} (${relative(new Date(t.lastError.at), now)})</div>` : ''
    }${t.consecutiveFailures > 0 ? html`<div class="muted small">${t.consecutiveFailures} failure(s) in a row</div>` : ''}</td>
<td>${t.lastSuccessAt ? timeCell(new Date(t.lastSuccessAt), now) : html`<span class="muted">never</span>`}</td>
<td>${t.pushedNumber ?? html`<span class="muted">—</span>`}</td>
<td>${drift(caNumber, t.pushedNumber)}</td>
</tr>`,
  )}</tbody></table></div>`;
}

export function overviewBody(v: OverviewView): SafeHtml {
  const s = v.stats;
  return html`<section aria-labelledby="certs-title">
<h2 id="certs-title">Certificates</h2>
<ul class="cards">
${card('active', s.active, '/ui/certificates?status=active', 'active')}
${card('expired', s.expired, '/ui/certificates?status=expired', 'expired')}
${card('revoked', s.revoked, '/ui/certificates?status=revoked', 'revoked')}
</ul>
<h3>Expiring over the next days</h3>
${expiryChart(v.buckets)}
<p><a href="/ui/certificates?status=active&amp;sort=expiry_asc">Active certificates by expiry</a></p>
</section>
<div class="columns">
<section aria-labelledby="crl-title">
<h2 id="crl-title">CRL</h2>
${crlBlock(v.crl, v.now)}
</section>
<section aria-labelledby="rotation-title">
<h2 id="rotation-title">Rotation</h2>
${
  v.rotation
    ? html`<p>Phase: <span class="badge badge-phase">${v.rotation.phase}</span>${v.rotation.emergency ? html` <span class="badge badge-revoked">emergency</span>` : ''}</p><p><a href="/ui/rotation">Rotation: where it stands and the next step</a></p>`
    : html`<p class="muted">Visible to admin tokens only.</p>`
}
</section>
</div>
<section aria-labelledby="anchors-title">
<h2 id="anchors-title">Roles Anywhere trust anchors</h2>
${syncBlock(v.sync, v.crl?.number, v.now)}
</section>
<section aria-labelledby="recent-title">
<h2 id="recent-title">Recent audit events</h2>
${auditTable(v.recent, 'Recent audit events')}
<p><a href="/ui/audit">All audit records</a></p>
</section>`;
}
