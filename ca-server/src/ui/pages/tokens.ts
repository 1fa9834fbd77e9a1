/** The Tokens page: mint an enrollment token (shown once, with the `rapki enroll` command), list and revoke admin tokens. */
import type { AdminTokenStatus } from '../../authority/admin-tokens.js';
import type { AdminTokenRecord } from '../../store/types.js';
import { timeCell } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField } from '../layout.js';

export interface TokenFormValues {
  readonly subject: string;
  readonly sans: string;
  readonly ttl: string;
  readonly certTtl: string;
}

export interface CreatedTokenView {
  readonly token: string;
  readonly subject: string;
  readonly expiresAt: Date;
  readonly command: string;
}

export interface TokensView {
  readonly form: TokenFormValues;
  readonly created: CreatedTokenView | undefined;
  /** Undefined for an operator (the admin API does not list admin tokens to operators). */
  readonly adminTokens: readonly { record: Omit<AdminTokenRecord, 'hash'>; status: AdminTokenStatus }[] | undefined;
  readonly selfTokenId: string;
  readonly now: Date;
  readonly csrf: string;
  readonly defaults: { ttl: string; certTtl: string; maxTtl: string; maxCertTtl: string };
}

/** `RAPKI_ENROLL_TOKEN=… rapki enroll …`: the token in the environment, not a flag `ps` shows (docs/host.md). */
export function enrollCommand(o: { token: string; caUrl: string; fingerprint: string }): string {
  return `RAPKI_ENROLL_TOKEN='${o.token}' rapki enroll --ca-url ${o.caUrl} --ca-fingerprint ${o.fingerprint} --out /etc/rapki`;
}

function createdBlock(c: CreatedTokenView, now: Date): SafeHtml {
  return html`<section class="created" aria-labelledby="created-title">
<h2 id="created-title">Token for <code>${c.subject}</code></h2>
<p>Shown once: copy it now. It can be used once, until ${timeCell(c.expiresAt, now)}.</p>
<div class="field field-wide"><label for="enroll-token">Enrollment token</label>
<div class="copy-row"><input id="enroll-token" type="text" readonly value="${c.token}" spellcheck="false" autocomplete="off">
<button type="button" data-copy="enroll-token">Copy token</button></div></div>
<div class="field field-wide"><span class="label" id="enroll-command-label">On the host, run</span>
<div class="copy-row"><pre class="command" id="enroll-command" aria-labelledby="enroll-command-label" tabindex="0"><code>${c.command}</code></pre>
<button type="button" data-copy="enroll-command">Copy command</button></div></div>
<p class="copy-status" role="status" aria-live="polite"></p>
</section>`;
}

export function tokensBody(v: TokensView): SafeHtml {
  const f = v.form;
  return html`${v.created ? createdBlock(v.created, v.now) : ''}
<section aria-labelledby="new-token">
<h2 id="new-token">New enrollment token</h2>
<form method="post" action="/ui/tokens" class="stack">
${csrfField(v.csrf)}
<div class="field"><label for="subject">Subject</label>
<input id="subject" name="subject" required maxlength="64" value="${f.subject}" autocomplete="off" spellcheck="false" aria-describedby="subject-help">
<p id="subject-help" class="help">The host name (certificate CN), like <code>web-1</code>.</p></div>
<div class="field"><label for="sans">SANs</label>
<textarea id="sans" name="sans" rows="3" maxlength="20000" spellcheck="false" aria-describedby="sans-help">${f.sans}</textarea>
<p id="sans-help" class="help">One per line: <code>dns:web-1.example</code>, <code>ip:10.0.0.7</code>, <code>uri:…</code>, <code>email:…</code>. The CSR must carry exactly these.</p></div>
<div class="field-row">
<div class="field"><label for="ttl">Token lifetime</label>
<input id="ttl" name="ttl" value="${f.ttl}" maxlength="12" placeholder="${v.defaults.ttl}" aria-describedby="ttl-help">
<p id="ttl-help" class="help">How long the token can be used: 90s, 15m, 1h, 7d (at most ${v.defaults.maxTtl}).</p></div>
<div class="field"><label for="certTtl">Certificate lifetime</label>
<input id="certTtl" name="certTtl" value="${f.certTtl}" maxlength="12" placeholder="${v.defaults.certTtl}" aria-describedby="cert-ttl-help">
<p id="cert-ttl-help" class="help">Lifetime of each certificate, renewals included (at most ${v.defaults.maxCertTtl}).</p></div>
</div>
<div class="actions"><button type="submit" class="button-primary">Create token</button></div>
</form>
</section>
${
  v.adminTokens
    ? html`<section aria-labelledby="admin-tokens">
<h2 id="admin-tokens">Admin tokens</h2>
<p class="help">Bearer tokens of the admin API and this console. New ones: <code>rapki admin-token create</code>. Revoking one ends its console sessions at once.</p>
<div class="table-wrap" role="region" aria-label="Admin tokens" tabindex="0"><table>
<caption class="visually-hidden">Admin tokens</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Id</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${v.adminTokens.map(
        ({ record: t, status }) => html`<tr>
<td>${t.name}${t.id === v.selfTokenId ? html` <span class="muted small">(this session)</span>` : ''}</td>
<td><span class="badge badge-${t.role}">${t.role}</span></td>
<td><code>${t.id}</code></td>
<td><span class="badge badge-${status === 'active' ? 'active' : status === 'revoked' ? 'revoked' : 'expired'}">${status}</span></td>
<td>${timeCell(t.createdAt, v.now)}</td>
<td>${t.expiresAt ? timeCell(t.expiresAt, v.now) : html`<span class="muted">never</span>`}</td>
<td>${timeCell(t.lastUsedAt, v.now)}</td>
<td>${
          status === 'active'
            ? html`<form method="post" action="/ui/admin-tokens/${t.id}/revoke">${csrfField(v.csrf)}<button type="submit" class="button-danger-outline" aria-label="Revoke admin token ${t.name} (${t.id})">Revoke</button></form>`
            : ''
        }</td>
</tr>`,
      )}</tbody></table></div>
</section>`
    : ''
}`;
}
