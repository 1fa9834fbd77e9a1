/**
 * The PostgreSQL password, looked up the way libpq does
 * (https://www.postgresql.org/docs/15/libpq-pgpass.html): the URL's own (only accepted from a file
 * or the environment, `store-url.ts`), else `PGPASSWORD`, else the first matching line of
 * `PGPASSFILE` (default `~/.pgpass`), which is ignored, as libpq does, when group or others can
 * read it. Looked up at every new connection, so a password rotated in the file is picked up
 * without a restart.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PgConnectionSpec } from './store-url.js';

export interface PasswordLookup {
  readonly env: NodeJS.ProcessEnv;
  readonly warn?: ((message: string) => void) | undefined;
}

export function pgPassword(spec: PgConnectionSpec, o: PasswordLookup): string | undefined {
  if (spec.password !== undefined) return spec.password;
  if (o.env.PGPASSWORD !== undefined && o.env.PGPASSWORD !== '') return o.env.PGPASSWORD;
  const file = o.env.PGPASSFILE ?? join(homedir(), '.pgpass');
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    if ((st.mode & 0o077) !== 0) {
      o.warn?.(`password file ${file} has group or world access and is ignored; chmod 0600 it`);
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // A Unix socket connection matches "localhost" too (libpq: default socket directory).
  const hosts = spec.host.startsWith('/') ? [spec.host, 'localhost'] : [spec.host];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const f = splitPgpassLine(line);
    if (f.length < 5) continue;
    const [h, p, d, u] = f as [string, string, string, string];
    const pw = f.slice(4).join(':');
    if ((h === '*' || hosts.includes(h)) && (p === '*' || p === String(spec.port)) && (d === '*' || d === spec.database) && (u === '*' || u === spec.user))
      return pw;
  }
  return undefined;
}

/** Fields separated by `:`, with `\:` and `\\` escapes. */
function splitPgpassLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
    } else if (c === ':' && out.length < 4) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}
