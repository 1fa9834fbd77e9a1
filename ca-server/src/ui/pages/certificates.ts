/** The Certificates page: search, filters, sort, keyset pages. */
import type { CaCertificateRecord, CertificateSort, CertStatus } from '../../store/types.js';
import { html, type SafeHtml } from '../html.js';
import { certificateTable, revokeCertificateDialog, type CertRow } from './certificate-table.js';

export interface CertificatesView {
  readonly q: string;
  readonly status: CertStatus | undefined;
  readonly issuer: string | undefined;
  readonly sort: CertificateSort;
  readonly rows: readonly CertRow[];
  readonly nextCursor: string | undefined;
  readonly firstPage: boolean;
  readonly issuers: readonly { record: CaCertificateRecord; name: string }[];
  readonly now: Date;
  readonly canRevoke: boolean;
  readonly csrf: string;
}

const SORTS: readonly [CertificateSort, string][] = [
  ['newest', 'Newest first'],
  ['expiry_asc', 'Expiry, soonest first'],
  ['expiry_desc', 'Expiry, latest first'],
];

function query(v: CertificatesView, cursor?: string): string {
  const p = new URLSearchParams();
  if (v.q) p.set('q', v.q);
  if (v.status) p.set('status', v.status);
  if (v.issuer) p.set('issuer', v.issuer);
  if (v.sort !== 'newest') p.set('sort', v.sort);
  if (cursor) p.set('cursor', cursor);
  const s = p.toString();
  return `/ui/certificates${s ? `?${s}` : ''}`;
}

export function certificatesBody(v: CertificatesView): SafeHtml {
  const opt = (value: string, label: string, cur: string | undefined) =>
    html`<option value="${value}"${value === (cur ?? '') ? html` selected` : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="/ui/certificates" role="search">
<div class="field field-wide"><label for="q">Search</label>
<input id="q" name="q" type="search" value="${v.q}" maxlength="200" placeholder="host, SAN, or serial (hex, with or without colons, or decimal)" autocomplete="off" spellcheck="false"></div>
<div class="field"><label for="status">Status</label>
<select id="status" name="status">${opt('', 'Any', v.status)}${opt('active', 'Active', v.status)}${opt('expired', 'Expired', v.status)}${opt('revoked', 'Revoked', v.status)}</select></div>
<div class="field"><label for="issuer">Issuer</label>
<select id="issuer" name="issuer">${opt('', 'Any', v.issuer)}${v.issuers.map((i) => opt(i.record.id, `${i.name} (${i.record.role}, ${i.record.id.slice(0, 8)}…)${i.record.issuing ? ' — issuing' : ''}`, v.issuer))}</select></div>
<div class="field"><label for="sort">Sort</label>
<select id="sort" name="sort">${SORTS.map(([s, l]) => opt(s, l, v.sort))}</select></div>
<div class="field field-button"><button type="submit">Find</button></div>
</form>
${certificateTable(v.rows, { now: v.now, canRevoke: v.canRevoke, caption: 'Certificates' })}
<nav class="pager" aria-label="Pages">
${v.firstPage ? '' : html`<a href="${query(v)}">First page</a>`}
${v.nextCursor ? html`<a href="${query(v, v.nextCursor)}" rel="next">Next page</a>` : ''}
</nav>
${v.canRevoke ? revokeCertificateDialog(v.csrf) : ''}`;
}
