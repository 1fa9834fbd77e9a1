/** The certificate table and the revoke dialogs shared by the Certificates and host pages. */
import { CRL_REASON_NAMES } from '../../authority/authority.js';
import type { CertificateRecord, CertStatus } from '../../store/types.js';
import { timeCell } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField } from '../layout.js';

/** Plain words for RFC 5280 reason names, for the reason chooser. */
const REASON_LABELS: Record<string, string> = {
  unspecified: 'Unspecified',
  keyCompromise: 'Key compromise (the host key may be stolen)',
  cACompromise: 'CA compromise',
  affiliationChanged: 'Affiliation changed',
  superseded: 'Superseded (replaced by a newer certificate)',
  cessationOfOperation: 'Cessation of operation (host retired)',
  certificateHold: 'Certificate hold',
  privilegeWithdrawn: 'Privilege withdrawn',
  aACompromise: 'AA compromise',
};

export interface CertRow {
  readonly cert: CertificateRecord;
  readonly status: CertStatus;
  /** Short name of the issuing CA. */
  readonly issuer: string;
}

export function statusBadge(status: CertStatus): SafeHtml {
  return html`<span class="badge badge-${status}">${status}</span>`;
}

export function hostLink(host: string): SafeHtml {
  return html`<a href="/ui/hosts/${encodeURIComponent(host)}">${host}</a>`;
}

/** The table; `canRevoke` adds the Revoke button to active rows (admin role). */
export function certificateTable(rows: readonly CertRow[], o: { now: Date; canRevoke: boolean; caption: string; showHost?: boolean }): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">No certificates match.</p>`;
  const showHost = o.showHost ?? true;
  return html`<div class="table-wrap" role="region" aria-label="${o.caption}" tabindex="0">
<table class="certs">
<caption class="visually-hidden">${o.caption}</caption>
<thead><tr><th scope="col">Serial</th>${showHost ? html`<th scope="col">Host</th>` : ''}<th scope="col">SANs</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Issuer</th>${o.canRevoke ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
<tbody>
${rows.map(
  (r) => html`<tr id="s-${r.cert.serial}">
<td class="serial"><code>${r.cert.serial}</code>${r.cert.renewedFrom ? html`<div class="muted small">renewed from <code>${r.cert.renewedFrom}</code></div>` : ''}</td>
${showHost ? html`<td>${hostLink(r.cert.host)}</td>` : ''}
<td class="sans">${r.cert.sans.length ? r.cert.sans.map((s) => html`<code>${s}</code> `) : html`<span class="muted">—</span>`}</td>
<td>${statusBadge(r.status)}${r.cert.revokedAt ? html`<div class="muted small">${r.cert.reason ?? 'unspecified'}</div>` : ''}</td>
<td>${timeCell(r.cert.notAfter, o.now)}</td>
<td>${r.issuer}</td>
${
  o.canRevoke
    ? html`<td>${
        r.status === 'active'
          ? html`<button type="button" class="button-danger-outline" data-open-dialog="revoke-cert-dialog" data-action="/ui/certificates/${r.cert.serial}/revoke" data-fill-serial="${r.cert.serial}" data-fill-host="${r.cert.host}" aria-label="Revoke certificate ${r.cert.serial} of ${r.cert.host}">Revoke</button>`
          : ''
      }</td>`
    : ''
}
</tr>`,
)}
</tbody>
</table>
</div>`;
}

function reasonSelect(id: string): SafeHtml {
  return html`<label for="${id}">Reason</label>
<select id="${id}" name="reason">${CRL_REASON_NAMES.map((r) => html`<option value="${r}"${r === 'keyCompromise' ? html` selected` : ''}>${REASON_LABELS[r] ?? r}</option>`)}</select>`;
}

/** The dialog behind every "Revoke" button of a certificate (its form action is set by the button). */
export function revokeCertificateDialog(csrf: string): SafeHtml {
  return html`<dialog id="revoke-cert-dialog" class="dialog" aria-labelledby="revoke-cert-title">
<form method="post" action="/ui/certificates">
<h2 id="revoke-cert-title">Revoke certificate <code data-fill="serial"></code></h2>
<p>Host <strong data-fill="host"></strong>. The certificate goes into the CRL at once and the CRL is pushed to Roles Anywhere; this cannot be undone.</p>
${reasonSelect('revoke-cert-reason')}
${csrfField(csrf)}
<div class="actions"><button type="submit" class="button-danger">Revoke certificate</button> <button type="button" data-close-dialog>Cancel</button></div>
</form>
</dialog>`;
}

/** The dialog of "Revoke host": every certificate of the host, and the host blocked from enrolling again. */
export function revokeHostDialog(csrf: string, host: string): SafeHtml {
  return html`<dialog id="revoke-host-dialog" class="dialog" aria-labelledby="revoke-host-title">
<form method="post" action="/ui/hosts/${encodeURIComponent(host)}/revoke">
<h2 id="revoke-host-title">Revoke host <code>${host}</code></h2>
<p>Every valid certificate of this host is revoked, and the host is blocked: it cannot enroll again (even with a token made earlier) or renew until someone unblocks it.</p>
${reasonSelect('revoke-host-reason')}
${csrfField(csrf)}
<div class="actions"><button type="submit" class="button-danger">Revoke host</button> <button type="button" data-close-dialog>Cancel</button></div>
</form>
</dialog>`;
}
