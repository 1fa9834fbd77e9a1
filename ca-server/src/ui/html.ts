/**
 * HTML templating for the console: a tagged template that escapes every interpolated value
 * unless it is already {@link SafeHtml}. Host names, SANs and audit details are chosen by whoever
 * holds a token (a subject may be `<img onerror=…>`), so nothing reaches the page unescaped; the
 * Content-Security-Policy (no inline script) is the second line.
 */

/** Markup that is already safe to emit (built by {@link html} or a trusted constant). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** `html\`<p>${text}</p>\``: values escaped; arrays joined; null, undefined and false render nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** A compile-time constant known to be safe markup (never data). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
