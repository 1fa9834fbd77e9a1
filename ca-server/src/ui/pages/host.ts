/** A host's page: blocked or not, "Revoke host", "Unblock", and its certificates as renewal chains. */
import type { CertificateRecord } from '../../store/types.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField } from '../layout.js';
import { certificateTable, revokeCertificateDialog, revokeHostDialog, statusBadge, type CertRow } from './certificate-table.js';

export interface HostView {
  readonly host: string;
  readonly blocked: boolean;
  readonly rows: readonly CertRow[];
  /** True when the host has more certificates than shown. */
  readonly truncated: boolean;
  readonly now: Date;
  readonly canRevoke: boolean;
  readonly csrf: string;
}

/**
 * Renewal chains, newest certificate first: each certificate with the one it renewed after it.
 * A host that enrolled twice has two chains.
 */
export function renewalChains(certs: readonly CertificateRecord[]): CertificateRecord[][] {
  const bySerial = new Map(certs.map((c) => [c.serial, c]));
  const renewed = new Set(certs.map((c) => c.renewedFrom).filter((s): s is string => s !== null));
  const heads = certs.filter((c) => !renewed.has(c.serial));
  return heads.map((head) => {
    const chain: CertificateRecord[] = [];
    const seen = new Set<string>();
    for (let c: CertificateRecord | undefined = head; c && !seen.has(c.serial); c = c.renewedFrom ? bySerial.get(c.renewedFrom) : undefined) {
      seen.add(c.serial);
      chain.push(c);
    }
    return chain;
  });
}

export function hostBody(v: HostView): SafeHtml {
  const status = new Map(v.rows.map((r) => [r.cert.serial, r.status]));
  const chains = renewalChains(v.rows.map((r) => r.cert));
  const hasActive = v.rows.some((r) => r.status === 'active');
  return html`<section aria-labelledby="host-state">
<h2 id="host-state">State</h2>
<p>${v.blocked ? html`<span class="badge badge-revoked">blocked</span> This host cannot enroll or renew.` : html`<span class="badge badge-active">not blocked</span> This host may enroll with a token and renew.`}</p>
${
  v.canRevoke
    ? html`<div class="actions">
${
  v.blocked
    ? html`<form method="post" action="/ui/hosts/${encodeURIComponent(v.host)}/unblock">${csrfField(v.csrf)}<button type="submit">Unblock</button></form>`
    : ''
}
${hasActive || !v.blocked ? html`<button type="button" class="button-danger-outline" data-open-dialog="revoke-host-dialog">Revoke host</button>` : ''}
</div>`
    : ''
}
</section>
<section aria-labelledby="chains">
<h2 id="chains">Renewal chains</h2>
${
  chains.length === 0
    ? html`<p class="empty">No certificates for this host.</p>`
    : html`<ol class="chains">${chains.map(
        (chain) =>
          html`<li><ol class="chain" aria-label="Renewal chain, newest first">${chain.map(
            (c) => html`<li><a href="#s-${c.serial}"><code>${c.serial}</code></a> ${statusBadge(status.get(c.serial) ?? 'expired')}</li>`,
          )}</ol></li>`,
      )}</ol>`
}
${v.truncated ? html`<p class="muted">Only the newest ${v.rows.length} certificates are shown; search by serial for older ones.</p>` : ''}
</section>
<section aria-labelledby="host-certs">
<h2 id="host-certs">Certificates</h2>
${certificateTable(v.rows, { now: v.now, canRevoke: v.canRevoke, caption: `Certificates of ${v.host}`, showHost: false })}
</section>
${v.canRevoke ? html`${revokeCertificateDialog(v.csrf)}${revokeHostDialog(v.csrf, v.host)}` : ''}`;
}
