/** The sign-in page: one field, "Admin token", and "Sign in". */
import type { ConsoleAssets } from '../assets.js';
import { html } from '../html.js';
import { bareDocument, csrfField, noticeHtml, type Notice } from '../layout.js';

export function signInPage(assets: ConsoleAssets, o: { caName: string; formToken: string; notice?: Notice | undefined }): string {
  return bareDocument(
    assets,
    'Sign in',
    html`<div class="sign-in">
<h1><span class="brand-mark" aria-hidden="true"></span>rapki CA <span class="brand-ca">${o.caName}</span></h1>
${noticeHtml(o.notice)}
<form method="post" action="/ui/sign-in" class="stack">
${csrfField(o.formToken)}
<div class="field"><label for="token">Admin token</label>
<input id="token" name="token" type="password" required maxlength="200" autocomplete="off" spellcheck="false" autofocus aria-describedby="token-help"></div>
<p id="token-help" class="help">An admin or operator token (<code>rapki_at_…</code>), from <code>rapki ca init</code> or <code>rapki admin-token create</code>. It is exchanged for a session here and not kept in the browser.</p>
<div class="actions"><button type="submit" class="button-primary">Sign in</button></div>
</form>
</div>`,
  );
}
