/**
 * Puts credentials into one profile of a shared credentials file (INI), changing nothing else.
 *
 * Pure text in, text out. What it keeps: every other section, every comment and blank line, other
 * keys of the target section, the file's line ending (LF or CRLF). What the official helper's
 * `update` got wrong and this handles (aws_signing_helper/update.go): a header inside a comment
 * (`# [default]`) is not a header; the target as the last section, or a file without a final
 * newline; headers written `[ default ]` or with a trailing comment; keys in any case with `=` or
 * `:`, and their indented continuation lines; duplicate sections of the target (parsers disagree on
 * them — botocore's configparser refuses the file, the JS SDK lets the later one win), which are
 * merged into the first one with our keys removed from the rest.
 */

/** Keys written, in order (the names botocore and the JS SDK read). */
export const CREDENTIAL_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'] as const;

const HEADER = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/;
const KEY = /^\s*([^\s=:#;[][^=:]*?)\s*[=:]/;

/** Profile names we write: what the AWS CLI accepts in practice, and nothing that breaks a header. */
export function isValidProfileName(name: string): boolean {
  return /^[A-Za-z0-9_.+@:/=,-]{1,128}$/.test(name);
}

interface Section {
  /** Index of the header line, or -1 for the lines before the first header. */
  readonly header: number;
  readonly name: string | undefined;
  /** Index after the last line of the section. */
  end: number;
}

function sections(lines: readonly string[]): Section[] {
  const out: Section[] = [{ header: -1, name: undefined, end: lines.length }];
  lines.forEach((line, i) => {
    const m = HEADER.exec(line);
    if (!m) return;
    out[out.length - 1]!.end = i;
    out.push({ header: i, name: m[1], end: lines.length });
  });
  return out;
}

function keyOf(line: string): string | undefined {
  if (/^\s*[#;]/.test(line)) return undefined;
  return KEY.exec(line)?.[1]?.toLowerCase();
}

const isContinuation = (line: string): boolean => /^[ \t]+\S/.test(line) && keyOf(line) === undefined;

/**
 * Body lines of a section without our keys (and their continuation lines).
 * `managed` is the set of lower-case key names to drop.
 */
function withoutKeys(body: readonly string[], managed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  let dropping = false;
  for (const line of body) {
    const k = keyOf(line);
    if (k !== undefined && !/^[ \t]/.test(line)) dropping = managed.has(k);
    else if (!(dropping && isContinuation(line))) dropping = false;
    if (!dropping) out.push(line);
  }
  return out;
}

/**
 * Returns `text` with `[profile]` holding exactly `values` for the credential keys.
 * `values` must not contain CR/LF (checked by the caller's writer).
 */
export function upsertProfile(text: string, profile: string, values: Readonly<Record<(typeof CREDENTIAL_KEYS)[number], string>>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.length === 0 ? [] : text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // final newline
  const managed = new Set<string>(CREDENTIAL_KEYS);
  const ours = CREDENTIAL_KEYS.map((k) => `${k} = ${values[k]}`);

  const all = sections(lines);
  const targets = all.filter((s) => s.header >= 0 && s.name === profile);

  if (targets.length === 0) {
    const out = [...lines];
    if (out.length > 0 && out[out.length - 1]!.trim() !== '') out.push('');
    out.push(`[${profile}]`, ...ours);
    return out.join(eol) + eol;
  }

  const first = targets[0]!;
  // Lines of later duplicates move into the first section (minus our keys); their blocks go away,
  // except trailing blank lines, which keep the separation between the neighbours.
  const moved: string[] = [];
  const removed = new Set<number>();
  for (const dup of targets.slice(1)) {
    let last = dup.end - 1;
    while (last > dup.header && lines[last]!.trim() === '') last--;
    for (let i = dup.header; i <= last; i++) removed.add(i);
    moved.push(...withoutKeys(lines.slice(dup.header + 1, last + 1), managed));
  }

  const body = withoutKeys(lines.slice(first.header + 1, first.end), managed);
  // Insert (moved lines and) our keys after the last key line of the section (comments and blank
  // lines after it usually introduce the next section), or right after the header.
  let at = 0;
  body.forEach((line, i) => {
    if (keyOf(line) !== undefined || (i > 0 && isContinuation(line))) at = i + 1;
  });
  while (moved.length > 0 && moved[moved.length - 1]!.trim() === '') moved.pop();
  body.splice(at, 0, ...moved, ...ours);

  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (i === first.header) {
      out.push(lines[i]!, ...body);
      i = first.end - 1;
      continue;
    }
    if (!removed.has(i)) out.push(lines[i]!);
  }
  return out.join(eol) + eol;
}
