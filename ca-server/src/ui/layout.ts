/**
 * The page shell of the console: head (one style sheet, one deferred script, both from this
 * server), skip link, navigation, who is signed in, "Sign out", and the main region. Every page
 * is rendered on the server; the script only adds dialogs and copy buttons.
 */
import type { AdminPrincipalRecord } from '../authority/admin-tokens.js';
import type { ConsoleAssets } from './assets.js';
import { CSRF_FIELD } from './form.js';
import { html, type SafeHtml } from './html.js';

export type NavKey = 'overview' | 'certificates' | 'tokens' | 'audit' | 'rotation';

export const NAV: readonly { key: NavKey; label: string; href: string }[] = [
  { key: 'overview', label: 'Overview', href: '/ui/' },
  { key: 'certificates', label: 'Certificates', href: '/ui/certificates' },
  { key: 'tokens', label: 'Tokens', href: '/ui/tokens' },
  { key: 'audit', label: 'Audit', href: '/ui/audit' },
  { key: 'rotation', label: 'Rotation', href: '/ui/rotation' },
];

/** What every signed-in page needs besides its body. */
export interface PageContext {
  readonly assets: ConsoleAssets;
  readonly principal: AdminPrincipalRecord;
  readonly csrf: string;
  /** The CA's name (root CN), shown in the header. */
  readonly caName: string;
}

export interface Notice {
  readonly kind: 'ok' | 'error' | 'info';
  readonly text: SafeHtml | string;
  /** The error code, as the API would answer it (`{code, message}`): shown with the text. */
  readonly code?: string | undefined;
}

function head(assets: ConsoleAssets, title: string): SafeHtml {
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · rapki CA</title>
<link rel="icon" href="${assets.url('icon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${assets.url('console.css')}">
<script src="${assets.url('console.js')}" defer></script>
</head>`;
}

export function noticeHtml(n: Notice | undefined): SafeHtml {
  if (!n) return html``;
  const code = n.code ? html` <span class="muted small">Error <code>${n.code}</code>.</span>` : '';
  return html`<div class="notice notice-${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}${code}</div>`;
}

/** The hidden CSRF field of a form. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** A signed-in page. */
export function page(ctx: PageContext, o: { title: string; active?: NavKey | undefined; body: SafeHtml; notice?: Notice | undefined }): string {
  const nav = NAV.map((n) => html`<li><a href="${n.href}"${n.key === o.active ? html` aria-current="page"` : html``}>${n.label}</a></li>`);
  return `<!doctype html>\n${html`<html lang="en">
${head(ctx.assets, o.title)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/ui/"><span class="brand-mark" aria-hidden="true"></span>rapki CA <span class="brand-ca">${ctx.caName}</span></a>
  <nav aria-label="Console"><ul>${nav}</ul></nav>
  <div class="who">
    <span>Signed in as <strong>${ctx.principal.name}</strong> <span class="badge badge-${ctx.principal.role}">${ctx.principal.role}</span></span>
    <form method="post" action="/ui/sign-out">${csrfField(ctx.csrf)}<button type="submit" class="link-button">Sign out</button></form>
  </div>
</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${noticeHtml(o.notice)}
${o.body}
</main>
</body>
</html>`}\n`;
}

/** A page without a session (sign-in, errors before sign-in). */
export function bareDocument(assets: ConsoleAssets, title: string, body: SafeHtml): string {
  return `<!doctype html>\n${html`<html lang="en">
${head(assets, title)}
<body class="bare">
<main id="main">
${body}
</main>
</body>
</html>`}\n`;
}
