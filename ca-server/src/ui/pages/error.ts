/** An error as a page: the public `{code, message}` (never internals) and the request id to quote. */
import { html, type SafeHtml } from '../html.js';

export function errorBody(e: { code: string; message: string; status: number; requestId: string | undefined; back?: string | undefined }): SafeHtml {
  return html`<div class="notice notice-error" role="alert"><p>${e.message}</p>
<p class="muted small">Error <code>${e.code}</code> (HTTP ${e.status})${e.requestId ? html`, request id <code>${e.requestId}</code>` : ''}.</p></div>
<p><a href="${e.back ?? '/ui/'}">Back</a></p>`;
}
