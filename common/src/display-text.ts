/**
 * Text from the CA, a certificate or a user, made safe to print for a human (tables, messages):
 * every character that can move the cursor, rewrite a line, reorder what follows or hide itself
 * is written as a visible escape `\u{XXXX}`, so a name cannot forge the rest of a line or the
 * terminal (C0 and C1 controls, DEL, bidi overrides and isolates,
 * zero-width and other format characters, line and paragraph separators, lone surrogates, private
 * use and unassigned code points). Everything else is left as it is.
 *
 * Machine output (`--json`) is not passed through this: JSON escapes controls itself and a
 * script must see the exact value.
 */

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/** `s` with unsafe characters escaped (see the module comment); unchanged when there are none. */
export function displayText(s: string): string {
  return s.replace(UNSAFE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
}
