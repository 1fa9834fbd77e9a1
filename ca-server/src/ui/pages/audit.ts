/** The Audit page: filter by action, actor and time; verify the hash chain and show its head. */
import { parseActor } from '../../authority/audit-actor.js';
import type { AuditRecord } from '../../store/types.js';
import { utcMinute } from '../format.js';
import { html, type SafeHtml } from '../html.js';

/** Actions the CA writes (for the chooser; docs/ca-api.md "Audit log"). */
export const AUDIT_ACTIONS = [
  'ca.init',
  'certificate.issue',
  'certificate.renew',
  'certificate.revoke',
  'renew.refused_superseded',
  'host.revoke',
  'host.unblock',
  'token.create',
  'admin_token.create',
  'admin_token.revoke',
  'crl.publish',
  'server_cert.issue',
  'console.sign_in',
  'console.sign_out',
  'rotation.start',
  'rotation.generate',
  'rotation.publish',
  'rotation.crl',
  'rotation.switch',
  'rotation.emergency_revoke',
  'rotation.finish_start',
  'rotation.retire',
  'rotation.finish',
  'rotation.abort_start',
  'rotation.unpublish',
  'rotation.abort',
  'ca.rotation_certificate',
] as const;

export interface AuditFilterValues {
  readonly action: string | undefined;
  readonly actor: string | undefined;
  /** `YYYY-MM-DDTHH:MM` (UTC), as the datetime-local field sends it. */
  readonly from: string | undefined;
  readonly to: string | undefined;
}

export type VerifyResult =
  { ok: true; count: number; head: { seq: number; hash: string } | undefined } | { ok: false; count: number; badSeq: number; reason: string };

export interface AuditView {
  readonly filter: AuditFilterValues;
  readonly records: readonly AuditRecord[];
  readonly olderHref: string | undefined;
  readonly newestHref: string | undefined;
  readonly verify: VerifyResult | undefined;
}

/** One record as a table row: actor split into who / via / token. */
export function auditRow(r: AuditRecord): SafeHtml {
  const a = parseActor(r.actor);
  return html`<tr>
<td>${r.seq}</td>
<td><time datetime="${r.time}">${utcMinute(new Date(r.time))}</time></td>
<td><code>${a.who}</code>${a.tokenId ? html`<div class="muted small">token <code>${a.tokenId}</code></div>` : ''}</td>
<td>${a.via ? html`<span class="badge badge-via">via: ${a.via}</span>` : html`<span class="muted">—</span>`}</td>
<td><code>${r.action}</code></td>
<td class="details"><code>${JSON.stringify(r.details)}</code></td>
</tr>`;
}

export function auditTable(records: readonly AuditRecord[], caption: string): SafeHtml {
  if (records.length === 0) return html`<p class="empty">No audit records match.</p>`;
  return html`<div class="table-wrap" role="region" aria-label="${caption}" tabindex="0"><table class="audit">
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Via</th><th scope="col">Action</th><th scope="col">Details</th></tr></thead>
<tbody>${records.map(auditRow)}</tbody></table></div>`;
}

function verifyBlock(v: VerifyResult): SafeHtml {
  if (!v.ok) {
    return html`<div class="notice notice-error" role="alert"><strong>The audit chain is broken at record ${v.badSeq}</strong>: ${v.reason}. ${v.count} records before it verify. Restore from a backup or investigate before trusting this log (docs/operations.md).</div>`;
  }
  if (!v.head) return html`<div class="notice notice-info" role="status">The audit log is empty.</div>`;
  const head = `${v.head.seq}:${v.head.hash}`;
  return html`<div class="notice notice-ok" role="status"><strong>The audit chain is intact</strong>: ${v.count} records verified.
<div class="field field-wide"><label for="audit-head">Chain head (note it elsewhere; <code>rapki audit verify --expect-head</code> checks it later)</label>
<div class="copy-row"><input id="audit-head" type="text" readonly value="${head}" spellcheck="false">
<button type="button" data-copy="audit-head">Copy head</button></div></div>
<p class="copy-status" role="status" aria-live="polite"></p></div>`;
}

export function auditBody(v: AuditView): SafeHtml {
  const f = v.filter;
  return html`<form class="filters" method="get" action="/ui/audit">
<div class="field"><label for="action">Action</label>
<select id="action" name="action"><option value="">Any</option>${AUDIT_ACTIONS.map((a) => html`<option value="${a}"${a === f.action ? html` selected` : ''}>${a}</option>`)}</select></div>
<div class="field"><label for="actor">Actor starts with</label>
<input id="actor" name="actor" value="${f.actor ?? ''}" maxlength="200" placeholder="admin:alice" spellcheck="false" autocomplete="off"></div>
<div class="field"><label for="from">From (UTC)</label><input id="from" name="from" type="datetime-local" value="${f.from ?? ''}"></div>
<div class="field"><label for="to">To (UTC)</label><input id="to" name="to" type="datetime-local" value="${f.to ?? ''}"></div>
<div class="field field-button"><button type="submit">Filter</button></div>
</form>
<section aria-labelledby="verify-title" class="verify">
<h2 id="verify-title" class="visually-hidden">Chain verification</h2>
<form method="get" action="/ui/audit/verify"><button type="submit">Verify chain</button></form>
${v.verify ? verifyBlock(v.verify) : ''}
</section>
${auditTable(v.records, 'Audit records, newest first')}
<nav class="pager" aria-label="Pages">
${v.newestHref ? html`<a href="${v.newestHref}">Newest</a>` : ''}
${v.olderHref ? html`<a href="${v.olderHref}" rel="next">Older records</a>` : ''}
</nav>`;
}
